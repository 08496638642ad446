import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../test/postgres.js';
import { makeIncomingEvent } from '../store.contract.js';
import type { Store } from '../store.js';
import { createPostgresStore } from './postgres-store.js';
import { partitionEndMs } from './retention.js';

describe('partitionEndMs', () => {
  it.each([
    ['events_p2024_01', '2024-02-01T00:00:00.000Z'],
    ['events_p2024_12', '2025-01-01T00:00:00.000Z'],
    ['events_p0099_06', '0099-07-01T00:00:00.000Z'],
  ])('%s ends at %s', (name, end) => {
    expect(new Date(partitionEndMs(name)!).toISOString()).toBe(end);
  });

  it.each(['events', 'events_p2024_1', 'my_events_p2024_01', 'events_retired_2024_01'])('ignores %s', (name) => {
    expect(partitionEndMs(name)).toBeNull();
  });
});

const clusterUrl = testPostgresUrl();
let database: TestDatabase;
const opened: Store[] = [];
const clients: pg.Client[] = [];

async function connect(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
  await client.connect();
  clients.push(client);
  return client;
}

async function partitionsOf(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
  );
  // The current month's partition is made by every write whatever its events: not part of these tests.
  return rows.map((row) => row.name).filter((name) => name < 'events_p2026');
}

async function tablesLike(client: pg.Client, pattern: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class
     WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND relname LIKE $1`,
    [pattern],
  );
  return rows.map((row) => row.name);
}

const event = (messageId: string, timestamp: string) =>
  makeIncomingEvent({ messageId, timestamp, message: { anonymousId: 'anon-retention' } });

describe.skipIf(clusterUrl === null)('postgres retention', () => {
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await Promise.all(clients.splice(0).map((client) => client.end()));
  });
  afterAll(async () => {
    await database?.drop();
  });
  const open = async (schema: string) => {
    const store = await createPostgresStore({ url: database.url, schema, poolSize: 3 });
    opened.push(store);
    return store;
  };

  it('drops whole months that end before the cut-off, and keeps the month straddling it whole', async () => {
    const schema = database.freshSchema();
    const store = await open(schema);
    await store.ingest([
      event('dec', '2023-12-31T23:59:59.999Z'),
      event('jan', '2024-01-15T00:00:00.000Z'),
      event('feb-early', '2024-02-03T00:00:00.000Z'),
      event('feb-late', '2024-02-25T00:00:00.000Z'),
    ]);
    const client = await connect(schema);
    expect(await partitionsOf(client)).toEqual(['events_p2023_12', 'events_p2024_01', 'events_p2024_02']);

    // February straddles the cut-off: feb-early is past retention, but its month is not over.
    const pass = await store.applyRetention({ before: '2024-02-15T00:00:00.000Z' });
    expect(pass).toEqual({ events: 2, partitions: ['events_p2023_12', 'events_p2024_01'] });
    expect(await partitionsOf(client)).toEqual(['events_p2024_02']);
    expect(await tablesLike(client, 'events_%2023_12')).toEqual([]);
    expect(await tablesLike(client, 'events_retired%')).toEqual([]);
    expect((await store.listEvents({ limit: 10 })).data.map((e) => e.messageId)).toEqual(['feb-late', 'feb-early']);

    // A month ending exactly at the cut-off is wholly past it.
    expect(await store.applyRetention({ before: '2024-03-01T00:00:00.000Z' })).toEqual({
      events: 2,
      partitions: ['events_p2024_02'],
    });
    expect(await partitionsOf(client)).toEqual([]);
  });

  it('two collectors running the pass at once: no error, each month dropped once, the same end state', async () => {
    const schema = database.freshSchema();
    const [a, b] = [await open(schema), await open(schema)];
    const months = ['2023-09', '2023-10', '2023-11', '2023-12', '2024-01', '2024-02'];
    await a.ingest(months.flatMap((month) => [event(`${month}-a`, `${month}-10T00:00:00.000Z`)]));
    await b.ingest(months.flatMap((month) => [event(`${month}-b`, `${month}-20T00:00:00.000Z`)]));
    const before = '2024-02-01T00:00:00.000Z';
    const passes = await Promise.all([
      a.applyRetention({ before }),
      b.applyRetention({ before }),
      a.applyRetention({ before }),
    ]);
    expect(passes.reduce((sum, pass) => sum + pass.events, 0)).toBe(10);
    expect(passes.flatMap((pass) => pass.partitions).sort()).toEqual(
      months.slice(0, 5).map((month) => `events_p${month.replace('-', '_')}`),
    );
    const client = await connect(schema);
    expect(await partitionsOf(client)).toEqual(['events_p2024_02']);
    expect(await tablesLike(client, 'events_retired%')).toEqual([]);
    expect((await b.listEvents({ limit: 10 })).data.map((e) => e.messageId).sort()).toEqual(['2024-02-a', '2024-02-b']);
  });

  it('another collector that knew a dropped month stores a late event for it (the month is made anew)', async () => {
    const schema = database.freshSchema();
    const [a, b] = [await open(schema), await open(schema)];
    // b has made (and remembers) January's partition.
    await b.ingest([event('jan-1', '2024-01-10T00:00:00.000Z')]);
    expect(await a.applyRetention({ before: '2024-03-01T00:00:00.000Z' })).toMatchObject({
      partitions: ['events_p2024_01'],
    });
    const outcomes = await b.ingest([
      event('jan-2', '2024-01-11T00:00:00.000Z'),
      event('now', '2026-12-01T00:00:00.000Z'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['stored', 'stored']);
    expect((await a.getEvent('jan-2'))?.messageId).toBe('jan-2');
    // The replayed first event stays a duplicate: its dedupe row outlived its month.
    expect(await b.ingest([event('jan-1', '2024-01-10T00:00:00.000Z')])).toMatchObject([{ status: 'duplicate' }]);
  });

  it('finishes a pass cut off between DETACH and DROP, counting its events', async () => {
    const schema = database.freshSchema();
    const store = await open(schema);
    await store.ingest([event('jan', '2024-01-10T00:00:00.000Z'), event('jan-2', '2024-01-11T00:00:00.000Z')]);
    const client = await connect(schema);
    // What a collector killed after its first transaction leaves.
    await client.query('ALTER TABLE events DETACH PARTITION events_p2024_01');
    await client.query('ALTER TABLE events_p2024_01 RENAME TO events_retired_2024_01');
    expect(await store.applyRetention({ before: '2024-01-01T00:00:00.000Z' })).toEqual({ events: 2, partitions: [] });
    expect(await tablesLike(client, 'events_retired%')).toEqual([]);
  });

  it('leaves a month to the next pass when a long read holds the events table, without an error', async () => {
    const schema = database.freshSchema();
    const store = await open(schema);
    await store.ingest([event('jan', '2024-01-10T00:00:00.000Z')]);
    const reader = await connect(schema);
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM events');
    expect(await store.applyRetention({ before: '2024-03-01T00:00:00.000Z' })).toEqual({ events: 0, partitions: [] });
    // The pass left nothing locked: ingest goes on while the read stays open.
    expect(await store.ingest([event('later', '2026-12-01T00:00:00.000Z')])).toMatchObject([{ status: 'stored' }]);
    await reader.query('COMMIT');
    expect(await store.applyRetention({ before: '2024-03-01T00:00:00.000Z' })).toEqual({
      events: 1,
      partitions: ['events_p2024_01'],
    });
  });
});
