/**
 * What an SDK sees while the PostgreSQL store cannot keep up, over HTTP (the
 * README's "Scaling" section states it): a group stuck past the statement
 * timeout answers 503 store_unavailable with Retry-After, stores nothing of
 * that group, and the retry stores it once; requests that merely queue behind
 * a slow group are never refused (there is no 429), they wait and get 200.
 * The stall is made the way another collector makes one: by holding the
 * advisory lock of an identifier the request needs.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_UNAVAILABLE_RETRY_AFTER_S } from './errors.js';
import { identifierLockKey } from './store/postgres/locks.js';
import { startTestCollector, type TestCollector, track } from './test/harness.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from './test/postgres.js';

const clusterUrl = testPostgresUrl();
const keys = { writeKeys: ['pg-pressure-write-key-0001'], adminKey: 'pg-pressure-admin-key-0001' };

/** Holds the advisory lock of `anonymousId:value` in an open transaction of its own, as another collector would. */
async function holdIdentifier(url: string, value: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [identifierLockKey({ type: 'anonymousId', value })]);
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** Resolves once some session of this database waits on an advisory lock (the collector's group is stuck). */
async function untilWaitingOnLock(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
      );
      if (rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.end();
  }
}

describe.skipIf(clusterUrl === null)('back-pressure on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('a group stuck past statementTimeoutMs answers 503 store_unavailable with Retry-After; the retry stores it once', async () => {
    const collector: TestCollector = await startTestCollector({
      db: database.url,
      ...keys,
      config: { store: { statementTimeoutMs: 300 } },
    });
    const held = await holdIdentifier(database.url, 'stuck-visitor');
    try {
      const event = track({ anonymousId: 'stuck-visitor' });
      const refused = await collector.send('/v1/track', event);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe(String(STORE_UNAVAILABLE_RETRY_AFTER_S));
      expect(await refused.json()).toMatchObject({ error: { code: 'store_unavailable' } });
      expect((await collector.admin(`/v1/events/${event.messageId}`)).status).toBe(404);
      await held.release();
      const retried = await collector.send('/v1/track', event);
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({ accepted: 1, duplicates: 0 });
      expect((await collector.admin(`/v1/events/${event.messageId}`)).status).toBe(200);
    } finally {
      await held.release().catch(() => {});
      await collector.stop();
    }
  });

  it('requests queued behind a slow group are never refused: they wait, then all answer 200', async () => {
    const collector = await startTestCollector({ db: database.url, ...keys });
    const held = await holdIdentifier(database.url, 'slow-visitor');
    try {
      const first = collector.send('/v1/track', track({ anonymousId: 'slow-visitor' }));
      await untilWaitingOnLock(database.url);
      // Other visitors' requests arrive while the collector's one writer is stuck: they queue.
      const queued = Array.from({ length: 40 }, () => collector.send('/v1/track', track()));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await held.release();
      const statuses = (await Promise.all([first, ...queued])).map((response) => response.status);
      expect(statuses).toEqual(Array.from({ length: 41 }, () => 200));
    } finally {
      await held.release().catch(() => {});
      await collector.stop();
    }
  });
});
