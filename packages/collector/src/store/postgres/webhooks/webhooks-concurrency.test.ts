/**
 * Two PostgreSQL stores (two pools, as two collectors have) claiming one
 * outbox at once: no delivery is handed to both, the per-endpoint cap holds
 * across them, and a delivery is never claimed while an earlier one of its
 * ordering key is pending. Ordered deliveries are written through the
 * PostgreSQL outbox itself (activation, their usual producer, is another area).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from '../../../identity/config.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../../test/postgres.js';
import { makeIncomingEvent } from '../../store.contract.js';
import type { ClaimedDelivery, Store } from '../../store.js';
import { createPostgresStore } from '../postgres-store.js';
import { createPgWebhooks } from './outbox.js';

const clusterUrl = testPostgresUrl();
const HOUR_MS = 3_600_000;

/** Writes `count` deliveries per key (and `count` without one), key after key, one transaction each. */
async function enqueueOrdered(url: string, schema: string, keys: string[], count: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 1 });
  const webhooks = createPgWebhooks(DEFAULT_IDENTITY_CONFIG);
  try {
    for (const key of [...keys, null]) {
      for (let i = 0; i < count; i += 1) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const outbox = await webhooks.open(client);
          const now = Date.now();
          await outbox.enqueue(
            {
              type: 'event.received',
              timestamp: new Date(now).toISOString(),
              dataJson: JSON.stringify({ key, i }),
              facets: { eventName: 'Ordered', messageType: 'track' },
              ...(key === null ? {} : { ordering: { key, seq: i } }),
            },
            now,
          );
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    }
  } finally {
    await pool.end();
  }
}

const dataOf = (delivery: ClaimedDelivery) =>
  (JSON.parse(delivery.payload) as { data: { key: string | null; i: number } }).data;

describe.skipIf(clusterUrl === null)('postgres webhooks: two stores claiming at once', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function twoStores(): Promise<{ schema: string; stores: [Store, Store] }> {
    const schema = database.freshSchema();
    const a = await createPostgresStore({ url: database.url, schema, poolSize: 4 });
    const b = await createPostgresStore({ url: database.url, schema, poolSize: 4 });
    return { schema, stores: [a, b] };
  }

  it('never hands one delivery to both', async () => {
    const { stores } = await twoStores();
    try {
      await stores[0].createWebhook({
        id: 'ep_race',
        url: 'https://receiver.example/hook',
        events: ['event.received'],
        filter: null,
        description: null,
        enabled: true,
        secret: 'whsec_AAAA',
        now: Date.now(),
      });
      await stores[1].ingest(
        Array.from({ length: 50 }, (_, i) => makeIncomingEvent({ message: { event: 'Raced', anonymousId: `a-${i}` } })),
      );
      for (let round = 0; round < 5; round += 1) {
        const input = { now: Date.now() + 1000, leaseMs: HOUR_MS, limit: 100, concurrencyPerEndpoint: 100 };
        const [x, y] = await Promise.all([
          stores[0].claimDeliveries({ ...input, owner: `a-${round}` }),
          stores[1].claimDeliveries({ ...input, owner: `b-${round}` }),
        ]);
        const ids = [...x, ...y].map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        // Round 0 leases all 50 (to one store or split); later rounds find them leased.
        expect(ids).toHaveLength(round === 0 ? 50 : 0);
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('keeps the per-endpoint cap and per-key order across claimers', { timeout: 120_000 }, async () => {
    const { schema, stores } = await twoStores();
    const CAP = 3;
    const keys = ['p1/vip', 'p2/vip', 'p3/vip', 'p1/churn'];
    const PER_KEY = 6;
    try {
      await stores[0].createWebhook({
        id: 'ep_order',
        url: 'https://receiver.example/hook',
        events: ['event.received'],
        filter: null,
        description: null,
        enabled: true,
        secret: 'whsec_AAAA',
        now: Date.now(),
      });
      await enqueueOrdered(database.url, schema, keys, PER_KEY);
      const total = (keys.length + 1) * PER_KEY;

      const inFlight = new Map<string, ClaimedDelivery>();
      /** Per key, how many have been (or are being) recorded as delivered, in claim order. */
      const settled = new Map<string, number>();
      const claimedIds: string[] = [];
      const violations: string[] = [];
      let maxInFlight = 0;

      const worker = async (store: Store, owner: string) => {
        let idle = 0;
        while (claimedIds.length < total && idle < 200) {
          const claimed = await store.claimDeliveries({
            now: Date.now(),
            owner,
            leaseMs: HOUR_MS,
            limit: 2,
            concurrencyPerEndpoint: CAP,
          });
          idle = claimed.length === 0 ? idle + 1 : 0;
          for (const delivery of claimed) {
            claimedIds.push(delivery.id);
            const { key, i } = dataOf(delivery);
            if (key !== null && (settled.get(key) ?? 0) !== i) {
              violations.push(`${key}#${i} claimed after ${settled.get(key) ?? 0} of its key were settled`);
            }
            inFlight.set(delivery.id, delivery);
          }
          maxInFlight = Math.max(maxInFlight, inFlight.size);
          await Promise.all(
            claimed.map(async (delivery) => {
              await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
              // Out of the books before the store frees the slot: the count here never runs ahead of it.
              inFlight.delete(delivery.id);
              const { key } = dataOf(delivery);
              if (key !== null) settled.set(key, (settled.get(key) ?? 0) + 1);
              await store.recordDeliveryAttempts([
                {
                  id: delivery.id,
                  owner,
                  at: Date.now(),
                  statusCode: 200,
                  durationMs: 1,
                  response: 'ok',
                  error: null,
                  verdict: { kind: 'delivered' },
                  disableAfterMs: HOUR_MS,
                },
              ]);
            }),
          );
          if (claimed.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      await Promise.all([
        worker(stores[0], 'a-1'),
        worker(stores[0], 'a-2'),
        worker(stores[1], 'b-1'),
        worker(stores[1], 'b-2'),
      ]);
      expect(violations).toEqual([]);
      expect(claimedIds).toHaveLength(total);
      expect(new Set(claimedIds).size).toBe(total);
      expect(maxInFlight).toBeLessThanOrEqual(CAP);
      const page = await stores[1].listDeliveries('ep_order', { limit: 100, status: 'pending' });
      expect(page?.data).toEqual([]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
