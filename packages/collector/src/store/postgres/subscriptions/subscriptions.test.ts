/**
 * Two collectors (two stores, each its own pool) changing the same
 * subscriptions at once: each key's history must be one chain (every change
 * replaced the one applied before it, and was newer), and its state the
 * chain's last link, whichever collector applied what.
 */
import type { SubscriptionStatus } from '@exhaust/schema';
import { SUBSCRIPTION_CONFLICT_WINDOW_MS } from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriptionChange } from '../../../subscriptions/model.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../../test/postgres.js';
import type { Store } from '../../store.js';
import { createPostgresStore } from '../postgres-store.js';

const clusterUrl = testPostgresUrl();
let database: TestDatabase;

const ADDRESSES = 12;
const CHANGES_PER_ADDRESS = 8;
/** Changes of one address are further apart than the conflict window: the latest simply wins. */
const STEP_MS = SUBSCRIPTION_CONFLICT_WINDOW_MS + 1_000;
const T0 = Date.parse('2026-11-20T10:00:00.000Z');

function workload(): SubscriptionChange[] {
  const changes: SubscriptionChange[] = [];
  for (let a = 0; a < ADDRESSES; a += 1) {
    for (let i = 0; i < CHANGES_PER_ADDRESS; i += 1) {
      const statuses: SubscriptionStatus[] = ['subscribed', 'unsubscribed', 'bounced'];
      changes.push({
        channel: 'email',
        address: `p${a}@x.io`,
        // Half the addresses race on a topic row, half on the channel row.
        topic: a % 2 === 0 ? null : 'offers',
        status: statuses[(a + i) % (a % 2 === 0 ? 3 : 2)]!,
        source: 'api',
        at: new Date(T0 + i * STEP_MS).toISOString(),
        proof: null,
      });
    }
  }
  // Arrival order unrelated to the timestamps.
  return changes.sort(() => Math.random() - 0.5);
}

describe.skipIf(clusterUrl === null)('postgres subscriptions across collectors', () => {
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('keeps each state equal to its history when two collectors change the same keys at once', async () => {
    const schema = database.freshSchema();
    const stores: Store[] = [];
    for (let i = 0; i < 2; i += 1) stores.push(await createPostgresStore({ url: database.url, schema, poolSize: 4 }));
    try {
      const changes = workload();
      const outcomes = await Promise.all(
        changes.map((change, i) => stores[i % 2]!.changeSubscriptions([change], '2026-11-20T12:00:00.000Z')),
      );
      let histories = 0;
      for (let a = 0; a < ADDRESSES; a += 1) {
        const key = { channel: 'email' as const, address: `p${a}@x.io` };
        const topic = a % 2 === 0 ? null : 'offers';
        const history = await stores[0]!.getSubscriptionHistory(key);
        // A chain: each applied change replaced the one applied before it, and (the changes being
        // further apart than the conflict window) was newer than it.
        history.forEach((entry, i) => {
          expect(entry.topic).toBe(topic);
          expect(entry.previous).toBe(i === 0 ? 'none' : history[i - 1]!.status);
          if (i > 0) expect(Date.parse(entry.at)).toBeGreaterThan(Date.parse(history[i - 1]!.at));
        });
        histories += history.length;
        const last = history.at(-1)!;
        const [state] = await stores[1]!.getSubscriptions([key]);
        const kept = topic === null ? { status: state?.status, since: state?.since } : state?.topics[topic];
        expect(kept).toMatchObject({ status: last.status, since: last.at });
      }
      // Each change answered `applied` is one link of a chain, and no other.
      expect(histories).toBe(outcomes.flat().filter((outcome) => outcome.applied).length);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
