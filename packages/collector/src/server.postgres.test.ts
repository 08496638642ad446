/**
 * The collector on PostgreSQL over HTTP: `db` as a postgres:// URL selects it,
 * /healthz names the store, and a collector that loses its database answers
 * 503 store_unavailable to ingest and recovers by itself when it returns.
 * Every activation-layer area answers there too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../../scripts/postgres.mjs';
import type { Logger } from './log.js';
import { startTestCollector, track } from './test/harness.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from './test/postgres.js';

const clusterUrl = testPostgresUrl();
const WRITE_KEY = 'pg-http-test-write-key-0001';
const ADMIN_KEY = 'pg-http-test-admin-key-0001';
const keys = { writeKeys: [WRITE_KEY], adminKey: ADMIN_KEY };

describe.skipIf(clusterUrl === null)('collector on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('is selected by a postgres:// URL, says so on /healthz, and stores over HTTP', async () => {
    const collector = await startTestCollector({ db: database.url, ...keys });
    try {
      const health = await fetch(`${collector.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', store: 'postgres', database: 'up' });
      const event = track();
      expect((await collector.send('/v1/track', event)).status).toBe(200);
      const stored = await collector.admin(`/v1/events/${event.messageId}`);
      expect(stored.status).toBe(200);
      expect(await stored.json()).toMatchObject({ messageId: event.messageId, source: expect.any(String) });
    } finally {
      await collector.stop();
    }
  });

  it('shares one database between two collectors: what one stores, the other reads', async () => {
    const url = database.url.replace(/^postgres:/, 'postgresql:');
    const [a, b] = await Promise.all([
      startTestCollector({ db: url, ...keys }),
      startTestCollector({ db: url, ...keys, config: { store: { poolSize: 3, statementTimeoutMs: 5_000 } } }),
    ]);
    try {
      const login = track({ type: 'identify', userId: 'u-shared', anonymousId: 'a-shared', traits: { plan: 'pro' } });
      expect((await a.send('/v1/identify', login)).status).toBe(200);
      const profile = await b.admin('/v1/profiles/userId:u-shared');
      expect(profile.status).toBe(200);
      expect(await profile.json()).toMatchObject({ traits: { plan: 'pro' } });
      // An unsubscribe link made by one collector works on the other: both sign with the database's key.
      const link = await fetch(`${a.url}/v1/subscriptions/links`, {
        method: 'POST',
        body: JSON.stringify({ channel: 'email', address: 'shared@example.org' }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(link.status).toBe(200);
      const { url: made } = (await link.json()) as { url: string };
      const onB = new URL(made);
      const unsubscribe = await fetch(`${b.url}${onB.pathname}${onB.search}`, {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(unsubscribe.status).toBe(200);
      const state = await b.admin('/v1/subscriptions/email/shared%40example.org');
      expect(await state.json()).toMatchObject({ status: 'unsubscribed' });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe.skipIf(clusterUrl === null)('collector on PostgreSQL: every area', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('answers every activation-layer API, and no background worker stops itself', async () => {
    const warnings: string[] = [];
    const noop = () => {};
    const logger: Logger = { debug: noop, info: noop, error: noop, warn: (msg) => warnings.push(msg) };
    const collector = await startTestCollector({ db: database.url, ...keys, logger });
    try {
      for (const path of [
        '/v1/webhooks',
        '/v1/audiences',
        '/v1/computed-traits',
        '/v1/subscriptions/email/ada%40x.io',
        '/v1/models/churn/fits',
      ]) {
        expect({ path, status: (await collector.admin(path)).status }).toEqual({ path, status: 200 });
      }
      const login = track({ type: 'identify', userId: 'u-pg', traits: { plan: 'pro' } });
      expect((await collector.send('/v1/identify', login)).status).toBe(200);
      const profile = await collector.admin('/v1/profiles/userId:u-pg');
      expect(profile.status).toBe(200);
      expect(await profile.json()).toMatchObject({ traits: { plan: 'pro' }, audiences: [], subscriptions: [] });
      // The scheduler, the refit and the delivery worker each ran a pass by now; none gave up.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(warnings).toEqual([]);
    } finally {
      await collector.stop();
    }
  });
});

describe.skipIf(clusterUrl === null)('collector on PostgreSQL when the database goes away', () => {
  it('answers 503 store_unavailable to ingest and /healthz meanwhile, then recovers without a restart', async () => {
    // Its own cluster: stopping the shared one would fail the other files running meanwhile.
    const server = await startPostgres();
    const collector = await startTestCollector({ db: server.url, ...keys });
    try {
      const before = track();
      expect((await collector.send('/v1/track', before)).status).toBe(200);
      server.halt('fast');
      const refused = await collector.send('/v1/track', track());
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).not.toBeNull();
      expect(await refused.json()).toMatchObject({ error: { code: 'store_unavailable' } });
      const health = await fetch(`${collector.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ error: { code: 'store_unavailable' } });
      server.resume();
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
      const after = track();
      expect((await collector.send('/v1/track', after)).status).toBe(200);
      for (const id of [before.messageId, after.messageId]) {
        expect((await collector.admin(`/v1/events/${id}`)).status).toBe(200);
      }
    } finally {
      await collector.stop();
      await server.stop();
    }
  });
});
