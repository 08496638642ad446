/**
 * The PostgreSQL outbox's producers that other areas call (computed values,
 * churn bands, audience lifecycle, subscription changes): each resolves the
 * ids and profile its payload needs inside the caller's transaction, writes the
 * shared payload, and names the profile so that an erasure takes it out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from '../../../identity/config.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../../test/postgres.js';
import { makeIncomingEvent } from '../../store.contract.js';
import { createPool } from '../pool.js';
import { createPostgresStore } from '../postgres-store.js';
import { createPgWebhooks } from './outbox.js';

const clusterUrl = testPostgresUrl();

describe.skipIf(clusterUrl === null)('postgres outbox producers for the other areas', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('writes computed, churn, audience and subscription changes with their profile, and erasure removes them', async () => {
    const schema = database.freshSchema();
    const store = await createPostgresStore({ url: database.url, schema, poolSize: 2 });
    // The store's own pool conventions (int8 as numbers, timestamptz as ISO text), which its reads rely on.
    const pool = createPool({ url: database.url, schema, poolSize: 1 });
    try {
      await store.createWebhook({
        id: 'ep_areas',
        url: 'https://receiver.example/hook',
        events: ['computed.changed', 'churn.risk_changed', 'audience.entered', 'subscription.changed'],
        filter: null,
        description: null,
        enabled: true,
        secret: 'whsec_AAAA',
        now: Date.now(),
      });
      const [outcome] = await store.ingest([
        makeIncomingEvent({
          message: { type: 'identify', userId: 'u-areas', anonymousId: 'anon-areas', traits: { plan: 'pro' } },
        }),
      ]);
      const profileId = outcome!.profileId!;
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM id_fragments WHERE public_id = $1', [
        profileId,
      ]);
      const rootId = Number(rows[0]!.id);
      const at = '2026-03-01T10:00:00.000Z';
      const now = Date.parse(at);

      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const outbox = await createPgWebhooks(DEFAULT_IDENTITY_CONFIG).open(client);
        await outbox.computedChanged(rootId, 'orders', '1', '2', now);
        await outbox.churnRiskChanged(rootId, { pAlive: 0.2, band: 'high', previousBand: 'low' }, now);
        await outbox.audienceLifecycle({
          eventName: 'Audience Entered',
          at,
          payload: JSON.stringify({
            properties: { reason: 'event' },
            context: { exhaust: { key: 'vip', seq: 1, profileId } },
          }),
        });
        // Not a lifecycle event: nothing.
        await outbox.audienceLifecycle({ eventName: 'Order Completed', at, payload: '{}' });
        await outbox.subscriptionChanged({
          historyId: 7,
          channel: 'email',
          address: 'a@example.com',
          topic: null,
          status: 'unsubscribed',
          previous: 'subscribed',
          source: 'api',
          at,
          fragmentId: rootId,
        });
        await client.query('COMMIT');
      } finally {
        client.release();
      }

      const page = await store.listDeliveries('ep_areas', { limit: 10 });
      const bodies = page!.data.map((delivery) => JSON.parse(delivery.payload)).reverse();
      expect(bodies).toEqual([
        {
          type: 'computed.changed',
          timestamp: at,
          data: { traitKey: 'orders', profileId, value: 2, previous: 1 },
        },
        {
          type: 'churn.risk_changed',
          timestamp: at,
          data: { profileId, pAlive: 0.2, band: 'high', previousBand: 'low' },
        },
        {
          type: 'audience.entered',
          timestamp: at,
          data: {
            audienceKey: 'vip',
            seq: 1,
            reason: 'event',
            profile: {
              id: profileId,
              identifiers: expect.arrayContaining([{ type: 'userId', value: 'u-areas' }]),
              traits: { plan: 'pro' },
            },
          },
        },
        {
          type: 'subscription.changed',
          timestamp: at,
          data: {
            id: 'subscription-7',
            channel: 'email',
            address: 'a@example.com',
            topic: null,
            status: 'unsubscribed',
            previousStatus: 'subscribed',
            source: 'api',
            at,
            profileId,
          },
        },
      ]);

      await store.erase({ id: profileId }, { suppress: false });
      expect((await store.listDeliveries('ep_areas', { limit: 10 }))!.data).toEqual([]);
    } finally {
      await pool.end();
      await store.close();
    }
  });
});
