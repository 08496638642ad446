/**
 * Two collectors (two stores, each its own pool) claiming the churn refit at
 * the same instant: exactly one may hold it, round after round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../../test/postgres.js';
import type { Store } from '../../store.js';
import { createPostgresStore } from '../postgres-store.js';

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
});
