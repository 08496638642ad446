import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeChurnContract } from '../churn.contract.js';
import { describeConsoleContract } from '../console.contract.js';
import { describeStoreContract, makeIncomingEvent } from '../store.contract.js';
import { describeSubscriptionsContract } from '../subscriptions.contract.js';
import { migrate, SqliteEngine } from './engine.js';
import { MIGRATIONS } from './migrations.js';
import { RETENTION_BATCH_EVENTS } from './retention.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-store-'));
let files = 0;
const freshFile = () => join(dir, `db-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modeOf = (path: string) => (existsSync(path) ? (statSync(path).mode & 0o777).toString(8) : 'missing');

describeStoreContract('sqlite inline', () => createSqliteStore({ file: freshFile(), mode: 'inline' }));
describeStoreContract('sqlite worker', () => createSqliteStore({ file: freshFile(), mode: 'worker' }));
describeConsoleContract('sqlite inline', () => createSqliteStore({ file: freshFile(), mode: 'inline' }));
describeConsoleContract('sqlite worker', () => createSqliteStore({ file: freshFile(), mode: 'worker' }));
describeSubscriptionsContract('sqlite inline', () => createSqliteStore({ file: freshFile(), mode: 'inline' }));
describeSubscriptionsContract('sqlite worker', () => createSqliteStore({ file: freshFile(), mode: 'worker' }));
describeChurnContract('sqlite inline', () => createSqliteStore({ file: freshFile(), mode: 'inline' }));
describeChurnContract('sqlite worker', () => createSqliteStore({ file: freshFile(), mode: 'worker' }));

describe('sqlite store', () => {
  it('keeps committed events and dedupe across a reopen', async () => {
    const file = freshFile();
    const event = makeIncomingEvent();
    const first = await createSqliteStore({ file });
    await first.ingest([event]);
    await first.close();
    const second = await createSqliteStore({ file });
    expect((await second.getEvent(event.messageId))?.messageId).toBe(event.messageId);
    expect((await second.ingest([event]))[0]?.status).toBe('duplicate');
    const next = makeIncomingEvent();
    await second.ingest([next]);
    expect((await second.listEvents({ limit: 5 })).data.map((e) => e.messageId)).toEqual([
      next.messageId,
      event.messageId,
    ]);
    await second.close();
  });

  it("never gives an erased event's seq to a new event after a reopen (its messageId stays unfindable)", async () => {
    const file = freshFile();
    const kept = makeIncomingEvent({ message: { userId: 'u-kept', anonymousId: 'a-kept' } });
    const erased = makeIncomingEvent({ message: { userId: 'u-gone', anonymousId: 'a-gone' } });
    const first = await createSqliteStore({ file, mode: 'inline' });
    await first.ingest([kept]);
    await first.ingest([erased]);
    // The newest event goes with the person; its dedupe row (and seq) stays, so a replay cannot resurrect it.
    expect(await first.erase({ type: 'userId', value: 'u-gone' }, { suppress: false })).not.toBeNull();
    await first.close();
    const second = await createSqliteStore({ file, mode: 'inline' });
    const next = makeIncomingEvent({ message: { userId: 'u-next', anonymousId: 'a-next' } });
    expect(await second.ingest([next])).toMatchObject([{ status: 'stored' }]);
    expect(await second.getEvent(erased.messageId)).toBeNull();
    expect((await second.getEvent(next.messageId))?.messageId).toBe(next.messageId);
    await second.close();
  });

  it('lets two stores on one file take turns writing without reusing a seq', async () => {
    const file = freshFile();
    const a = await createSqliteStore({ file, mode: 'inline' });
    const b = await createSqliteStore({ file, mode: 'inline' });
    const sent = Array.from({ length: 40 }, (_, i) => makeIncomingEvent({ messageId: `two-${i}` }));
    const outcomes = [];
    for (const [i, event] of sent.entries()) outcomes.push(...(await (i % 2 === 0 ? a : b).ingest([event])));
    expect(outcomes.map((o) => o.status)).toEqual(sent.map(() => 'stored'));
    for (const event of sent) expect((await a.getEvent(event.messageId))?.messageId).toBe(event.messageId);
    expect((await b.listEvents({ limit: 100 })).data).toHaveLength(sent.length);
    // A source only the other store has seen is still found by messageId alone.
    const fromApp = makeIncomingEvent({ source: 'app' });
    await a.ingest([fromApp]);
    expect((await b.getEvent(fromApp.messageId))?.source).toBe('app');
    await a.close();
    await b.close();
  });

  it('never gives the seq of an event removed by retention again, even after a reopen', async () => {
    const file = freshFile();
    const first = await createSqliteStore({ file, mode: 'inline' });
    // The late event arrives last (the highest seq) but is past retention.
    await first.ingest([makeIncomingEvent({ messageId: 'recent', timestamp: '2026-11-20T00:00:00.000Z' })]);
    await first.ingest([makeIncomingEvent({ messageId: 'late-old', timestamp: '2020-01-01T00:00:00.000Z' })]);
    expect((await first.applyRetention({ before: '2026-01-01T00:00:00.000Z' })).events).toBe(1);
    await first.close();
    const second = await createSqliteStore({ file, mode: 'inline' });
    await second.ingest([makeIncomingEvent({ messageId: 'next' })]);
    // Its dedupe row still names its seq: a reused seq would make it find `next`.
    expect(await second.getEvent('late-old')).toBeNull();
    expect((await second.getEvent('next'))?.messageId).toBe('next');
    await second.close();
  });

  it('removes events batch by batch: an ingest sent during a pass commits before the pass ends', async () => {
    const store = await createSqliteStore({ file: freshFile(), mode: 'inline' });
    const total = RETENTION_BATCH_EVENTS * 4 + 5;
    const old = Array.from({ length: total }, (_, i) =>
      makeIncomingEvent({ messageId: `old-${i}`, timestamp: '2020-01-01T00:00:00.000Z' }),
    );
    await store.ingest(old);
    const order: string[] = [];
    const pass = store.applyRetention({ before: '2021-01-01T00:00:00.000Z' }).then((result) => {
      order.push('retention');
      return result;
    });
    const ingest = store.ingest([makeIncomingEvent({ messageId: 'during' })]).then(() => order.push('ingest'));
    expect((await pass).events).toBe(total);
    await ingest;
    expect(order).toEqual(['ingest', 'retention']);
    expect((await store.listEvents({ limit: 5 })).data.map((e) => e.messageId)).toEqual(['during']);
    await store.close();
  });

  it('runs migrations once and records the schema version', async () => {
    const file = freshFile();
    await (await createSqliteStore({ file, mode: 'inline' })).close();
    await (await createSqliteStore({ file, mode: 'inline' })).close();
    const db = new BetterSqlite3(file);
    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps every key when migration 30 rebuilds access_keys for sender keys', async () => {
    const file = freshFile();
    // The database as the previous release left it: access tables without the 'sender' kind.
    const before = new BetterSqlite3(file);
    migrate(
      before,
      MIGRATIONS.filter((m) => m.version < 30),
    );
    before.exec(`
      INSERT INTO access_sources VALUES ('src_1', 'web', '["*"]', 1, 0, 'then', 'then');
      INSERT INTO access_keys VALUES ('key_w', 'write', 'src_1', '${'w'.padEnd(64, '0')}', 'wk_…w', 0, 'then', 'later');
      INSERT INTO access_keys VALUES ('key_a', 'admin', NULL, '${'a'.padEnd(64, '0')}', 'ak_…a', 1, 'then', NULL);
    `);
    before.close();
    const store = await createSqliteStore({ file, mode: 'inline' });
    expect((await store.getAccessSnapshot(null))?.keys).toEqual([
      { hash: 'a'.padEnd(64, '0'), owner: { kind: 'admin' } },
    ]);
    expect((await store.getSource('src_1'))?.keys).toMatchObject([{ id: 'key_w', revokedAt: 'later' }]);
    expect(
      await store.addKey(
        { kind: 'sender' },
        { id: 'key_s', hash: 's'.padEnd(64, '0'), hint: 'sk_…s', createdAt: 'now' },
      ),
    ).toMatchObject({ id: 'key_s' });
    await store.close();
  });

  it('rolls back a failing request alone inside a group commit', () => {
    const engine = new SqliteEngine({ file: freshFile() });
    const [a, b, c] = [makeIncomingEvent(), makeIncomingEvent(), makeIncomingEvent()].map((e) => engine.prepare(e));
    if (!a || !b || !c) throw new Error('unreachable');
    // A type-less event breaks a NOT NULL constraint after its request already wrote `b`.
    const poison = { ...engine.prepare(makeIncomingEvent()), type: null as unknown as 'track' };
    const results = engine.ingestGroup([[a], [b, poison], [c]]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(engine.getEvent(a.messageId)).not.toBeNull();
    expect(engine.getEvent(b.messageId)).toBeNull();
    expect(engine.getEvent(c.messageId)).not.toBeNull();
    // Its dedupe entry was rolled back with it: a retry stores it.
    expect(engine.ingestGroup([[b]])[0]).toMatchObject({ ok: true, value: [{ status: 'stored' }] });
    engine.close();
  });

  it('drops the self-referencing key of id_fragments in migration 3 and keeps every fragment and link', () => {
    const file = freshFile();
    const old = new BetterSqlite3(file);
    old.pragma('foreign_keys = ON');
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= 2),
    );
    const insert = old.prepare(
      `INSERT INTO id_fragments (id, public_id, created_seq, created_at, merged_into, canonical_id, holding_for)
       VALUES (?, ?, ?, 'at', ?, ?, ?)`,
    );
    insert.run(1, 'p_a', 1, null, 1, null);
    insert.run(2, 'p_b', 2, 1, 1, null);
    insert.run(3, 'p_h', 3, null, 3, 'email:x@y.org');
    old.prepare(`INSERT INTO id_identifiers VALUES ('anonymousId', 'a-1', 2, 0, 'at', 2)`).run();
    const before = old.prepare('SELECT * FROM id_fragments ORDER BY id').all();
    old.close();

    const db = new BetterSqlite3(file);
    db.pragma('foreign_keys = ON');
    migrate(db);
    expect(db.prepare('SELECT * FROM id_fragments ORDER BY id').all()).toEqual(before);
    expect(db.pragma('foreign_key_list(id_fragments)')).toEqual([]);
    // Other tables still reference the rebuilt table, and nothing dangles.
    expect(db.pragma('foreign_key_list(id_identifiers)')).toMatchObject([{ table: 'id_fragments' }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => db.prepare(`INSERT INTO id_identifiers VALUES ('userId', 'u', 99, 0, 'at', 4)`).run()).toThrow(
      /FOREIGN KEY/,
    );
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'id_fragments'");
    expect(indexes.pluck().all()).toEqual(
      expect.arrayContaining(['id_fragments_canonical', 'id_fragments_merged_into']),
    );
    db.close();
  });

  it('creates the database, its WAL and shared-memory files readable by the owner only', () => {
    const file = freshFile();
    const engine = new SqliteEngine({ file });
    engine.ingest([makeIncomingEvent()]);
    expect([file, `${file}-wal`, `${file}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
    engine.close();
  });

  it('tightens a world-readable database and WAL left by an older collector', () => {
    const file = freshFile();
    // A second connection keeps the -wal and -shm files in place while the engine opens.
    const older = new BetterSqlite3(file);
    older.pragma('journal_mode = WAL');
    migrate(older);
    const files = [file, `${file}-wal`, `${file}-shm`];
    for (const path of files) chmodSync(path, 0o644);
    expect(files.map(modeOf)).toEqual(['644', '644', '644']);
    const engine = new SqliteEngine({ file });
    expect(files.map(modeOf)).toEqual(['600', '600', '600']);
    engine.close();
    older.close();
  });

  it('refuses a database from a newer collector', () => {
    const db = new BetterSqlite3(freshFile());
    migrate(db);
    db.prepare("INSERT INTO schema_version VALUES (999, 'future', 'x')").run();
    expect(() => migrate(db)).toThrow(/newer/);
    db.close();
  });

  it('reports an unopenable database from the worker as an error', async () => {
    await expect(createSqliteStore({ file: join(dir, 'missing-folder', 'x.db') })).rejects.toThrow();
  });
});

describe('sqlite event filters', () => {
  it('bounds the rows a property filter examines: short pages carry a cursor, and every match comes once', () => {
    const engine = new SqliteEngine({ file: freshFile(), maxPropertyScanRows: 4 });
    const events = Array.from({ length: 20 }, (_, i) =>
      makeIncomingEvent({ messageId: `e${i}`, message: { properties: { plan: i % 5 === 0 ? 'pro' : 'free' } } }),
    );
    engine.ingest(events);
    // A walk examines max(limit + 1, the bound) rows: 4 here.
    const first = engine.listEvents({ limit: 2, properties: { plan: 'pro' } });
    // Four rows examined (e19..e16): none matches, but the list is not over.
    expect(first.data).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = engine.listEvents({ limit: 2, cursor, properties: { plan: 'pro' } });
      expect(page.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.data.map((e) => e.messageId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(['e15', 'e10', 'e5', 'e0']);
    // Five windows of four rows, and the last cursor finds nothing left.
    expect(pages).toBe(6);
    engine.close();
  });

  it('answers each indexed filter from its index, newest first, without sorting', () => {
    const engine = new SqliteEngine({ file: freshFile() });
    engine.ingest([makeIncomingEvent({ message: { userId: 'u-1', anonymousId: 'a-1' } })]);
    const plan = (query: Omit<Parameters<SqliteEngine['listEvents']>[0], 'limit'>) =>
      engine.explainListEvents({ limit: 50, ...query }).join(' | ');
    expect(plan({ userId: 'u-1' })).toMatch(/USING (COVERING )?INDEX events_user_id/);
    expect(plan({ anonymousId: 'a-1' })).toMatch(/USING (COVERING )?INDEX events_anonymous_id/);
    expect(plan({ source: 'web' })).toMatch(/USING (COVERING )?INDEX events_source/);
    expect(plan({ profile: { type: 'userId', value: 'u-1' } })).toMatch(/USING (COVERING )?INDEX events_fragment/);
    // The person's index leads even when a broad filter is given too.
    expect(plan({ source: 'web', anonymousId: 'a-1', properties: { plan: 'pro' } })).toMatch(
      /INDEX events_anonymous_id/,
    );
    for (const query of [{ userId: 'u-1' }, { source: 'web', type: 'track' as const }, {}]) {
      expect(plan(query)).not.toMatch(/TEMP B-TREE/);
    }
    engine.close();
  });
});
