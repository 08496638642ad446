import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../../../../scripts/postgres.mjs';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../test/postgres.js';
import { describeActivationContract } from '../activation.contract.js';
import { describeChurnContract } from '../churn.contract.js';
import { describeConsoleContract } from '../console.contract.js';
import { describeIdentityContract } from '../identity.contract.js';
import { describeStoreContract, makeIncomingEvent } from '../store.contract.js';
import type { IncomingEvent } from '../store.js';
import { describeSubscriptionsContract } from '../subscriptions.contract.js';
import { describeWebhooksContract } from '../webhooks.contract.js';
import { partitionOf } from './partitions.js';
import { createPostgresStore, isPostgresUrl } from './postgres-store.js';

const clusterUrl = testPostgresUrl();
let database: TestDatabase;

async function query<T>(url: string, schema: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe.skipIf(clusterUrl === null)('postgres store', () => {
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const open = () => createPostgresStore({ url: database.url, schema: database.freshSchema(), poolSize: 4 });

  describeStoreContract('postgres', open);
  describeIdentityContract('postgres', open);
  describeConsoleContract('postgres', open);
  describeWebhooksContract('postgres', open);
  describeSubscriptionsContract('postgres', open);
  describeChurnContract('postgres', open);
  describeActivationContract('postgres', open);

  it('is selected by postgres:// and postgresql:// URLs only', () => {
    expect(isPostgresUrl('postgres://u@db/x')).toBe(true);
    expect(isPostgresUrl('postgresql://u@db/x')).toBe(true);
    expect(isPostgresUrl('./data/exhaust.db')).toBe(false);
    expect(isPostgresUrl('/var/lib/postgres/exhaust.db')).toBe(false);
  });

  it('keeps committed events and dedupe across a reopen', async () => {
    const schema = database.freshSchema();
    const event = makeIncomingEvent();
    const first = await createPostgresStore({ url: database.url, schema });
    await first.ingest([event]);
    await first.close();
    const second = await createPostgresStore({ url: database.url, schema });
    expect((await second.getEvent(event.messageId))?.messageId).toBe(event.messageId);
    expect((await second.ingest([event]))[0]?.status).toBe('duplicate');
    await second.close();
  });

  it('rolls back a failing request alone inside a group commit', async () => {
    const store = await open();
    const [a, b, c] = [makeIncomingEvent(), makeIncomingEvent(), makeIncomingEvent()];
    // A type-less event breaks a NOT NULL constraint after its request already wrote `b`.
    const poison = { ...makeIncomingEvent(), type: null } as unknown as IncomingEvent;
    // Submitted in one turn: one group, one transaction.
    const results = await Promise.allSettled([store.ingest([a!]), store.ingest([b!, poison]), store.ingest([c!])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.getEvent(a!.messageId)).not.toBeNull();
    expect(await store.getEvent(b!.messageId)).toBeNull();
    expect(await store.getEvent(c!.messageId)).not.toBeNull();
    // Its dedupe entry was rolled back with it: a retry stores it.
    expect(await store.ingest([b!])).toMatchObject([{ status: 'stored' }]);
    await store.close();
  });

  it('partitions events by month of the corrected timestamp, created on demand', async () => {
    const schema = database.freshSchema();
    const store = await createPostgresStore({ url: database.url, schema });
    await store.ingest([
      makeIncomingEvent({ messageId: 'jan', timestamp: '2026-01-31T23:59:59.999Z' }),
      makeIncomingEvent({ messageId: 'feb', timestamp: '2026-02-01T00:00:00.000Z' }),
      makeIncomingEvent({ messageId: 'old', timestamp: '1999-12-15T00:00:00.000Z' }),
    ]);
    const partitions = await query<{ name: string; n: number }>(
      database.url,
      schema,
      `SELECT c.relname AS name, (SELECT count(*) FROM events e WHERE e.tableoid = c.oid)::int AS n
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'events' AND p.relnamespace = c.relnamespace
         AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) ORDER BY 1`,
    );
    // The current month's partition exists too (events the collector appends itself are dated now).
    const current = partitionOf(new Date().toISOString()).name;
    expect(partitions.filter((p) => p.name !== current)).toEqual([
      { name: 'events_p1999_12', n: 1 },
      { name: 'events_p2026_01', n: 1 },
      { name: 'events_p2026_02', n: 1 },
    ]);
    expect(partitions.map((p) => p.name)).toContain(current);
    const ids = (await store.listEvents({ limit: 10, since: '2026-01-01T00:00:00.000Z' })).data.map((e) => e.messageId);
    expect(ids).toEqual(['feb', 'jan']);
    await store.close();
  });

  it('bounds the rows a property filter examines: short pages carry a cursor, and every match comes once', async () => {
    const store = await createPostgresStore({
      url: database.url,
      schema: database.freshSchema(),
      maxPropertyScanRows: 4,
    });
    await store.ingest(
      Array.from({ length: 20 }, (_, i) =>
        makeIncomingEvent({ messageId: `e${i}`, message: { properties: { plan: i % 5 === 0 ? 'pro' : 'free' } } }),
      ),
    );
    // Four rows examined (e19..e16): none matches, but the list is not over.
    const first = await store.listEvents({ limit: 2, properties: { plan: 'pro' } });
    expect(first.data).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await store.listEvents({ limit: 2, cursor, properties: { plan: 'pro' } });
      seen.push(...page.data.map((e) => e.messageId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(['e15', 'e10', 'e5', 'e0']);
    // Five windows of four rows, and the last cursor finds nothing left.
    expect(pages).toBe(6);
    await store.close();
  });

  it('refuses a database from a newer collector', async () => {
    const schema = database.freshSchema();
    await (await createPostgresStore({ url: database.url, schema })).close();
    await query(database.url, schema, "INSERT INTO schema_version (version, name) VALUES (999, 'future')");
    await expect(createPostgresStore({ url: database.url, schema })).rejects.toThrow(/newer/);
  });
});

describe.skipIf(clusterUrl === null)('postgres store when the database goes away', () => {
  it('answers store_unavailable while PostgreSQL is down and recovers by itself when it returns', async () => {
    // Its own cluster: stopping the shared one would fail the other files running meanwhile.
    const server = await startPostgres();
    try {
      const store = await createPostgresStore({ url: server.url, poolSize: 2 });
      const before = makeIncomingEvent();
      await store.ingest([before]);
      // A group in flight when the server goes: its connection is cut while checked out.
      const inFlight = store.ingest(
        Array.from({ length: 2_000 }, (_, i) => makeIncomingEvent({ message: { anonymousId: `a-${i}` } })),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      server.halt('fast');
      await expect(inFlight).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.ingest([makeIncomingEvent()])).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.listEvents({ limit: 1 })).rejects.toMatchObject({ code: 'store_unavailable' });
      server.resume();
      // No reopen: the pool connects anew.
      await expect(store.ping()).resolves.toBeUndefined();
      const after = makeIncomingEvent();
      expect(await store.ingest([after])).toMatchObject([{ status: 'stored' }]);
      expect((await store.listEvents({ limit: 10 })).data.map((e) => e.messageId)).toEqual([
        after.messageId,
        before.messageId,
      ]);
      await store.close();
    } finally {
      await server.stop();
    }
  });
});
