/**
 * Churn on PostgreSQL beyond the contract: two collectors (two stores, each
 * its own pool) claiming the refit at the same instant, exactly one may hold
 * it, round after round; and the P(alive) band tracker the activation area
 * drives (first band silent, then each change announced once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChurnFacts } from '../../../activation/churn/outputs.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../../test/postgres.js';
import type { Store } from '../../store.js';
import { createPool } from '../pool.js';
import { createPostgresStore } from '../postgres-store.js';
import { PgChurnBandTracker } from './index.js';

const clusterUrl = testPostgresUrl();
let database: TestDatabase;

const ROUNDS = 20;
const LEASE_MS = 60_000;

describe.skipIf(clusterUrl === null)('postgres churn refit across collectors', () => {
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('leases a due refit to exactly one of two collectors claiming at once', async () => {
    const schema = database.freshSchema();
    const stores: Store[] = [];
    for (let i = 0; i < 2; i += 1) stores.push(await createPostgresStore({ url: database.url, schema, poolSize: 4 }));
    try {
      const start = Date.now();
      for (let round = 0; round < ROUNDS; round += 1) {
        // Each round starts after the previous round's lease ran out: the refit is due and free.
        const now = start + round * LEASE_MS;
        const won = await Promise.all(
          stores.flatMap((store, s) =>
            [0, 1].map((c) => store.claimChurnRefit({ now, owner: `collector-${s}-${c}`, leaseMs: LEASE_MS })),
          ),
        );
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await stores[round % 2]!.nextChurnRefitAt()).toBe(now + LEASE_MS);
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("records a profile's first band silently, announces each change once, and forgets it", async () => {
    const schema = database.freshSchema();
    await (await createPostgresStore({ url: database.url, schema })).close();
    const pool = createPool({ url: database.url, schema });
    const changes: unknown[] = [];
    const tracker = new PgChurnBandTracker(
      { active: () => true, changed: (_db, rootId, change) => void changes.push({ rootId, ...change }) },
      () => [0.3, 0.5],
    );
    const DAY_MS = 86_400_000;
    const T0 = Date.parse('2026-03-02T10:00:00.000Z');
    const facts: ChurnFacts = {
      params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
      purchases: { x: 3, firstPurchaseAt: T0, lastPurchaseAt: T0 + 30 * DAY_MS, meanValue: 10 },
    };
    try {
      const leaves = await tracker.track(pool, 7, facts, T0 + 31 * DAY_MS);
      expect(leaves).not.toBeNull();
      expect(changes).toEqual([]);
      // Again in the same band: nothing to say.
      expect(await tracker.track(pool, 7, facts, leaves! - 1)).toBe(leaves);
      expect(changes).toEqual([]);
      await tracker.track(pool, 7, facts, leaves!);
      expect(changes).toEqual([{ rootId: 7, pAlive: expect.any(Number), band: '0.3-0.5', previousBand: '0.5-1' }]);
      await tracker.forget(pool, 7);
      // Forgotten: the next band is a first one again, recorded silently.
      await tracker.track(pool, 7, facts, T0 + 31 * DAY_MS);
      expect(changes).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });
});
