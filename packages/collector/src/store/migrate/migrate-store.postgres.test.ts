/**
 * `migrate-store` end to end: a SQLite collector over real HTTP takes an
 * identity scenario, the copy moves it into a fresh PostgreSQL database, and a
 * PostgreSQL collector then answers the same reads byte for byte. Resuming
 * (an injected stop, and a real CLI process SIGKILLed mid-copy), re-running,
 * and every refusal are checked on the same files.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../../server.js';
import { basic, startTestCollector, type TestCollector } from '../../test/harness.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../test/postgres.js';
import { LOCK_KEYS } from '../postgres/locks.js';
import { migratePostgres } from '../postgres/migrations.js';
import { createPool } from '../postgres/pool.js';
import { migrateStore } from './migrate-store.js';

const clusterUrl = testPostgresUrl();
const WRITE_KEY = 'wk_migrate_store_test_write_key_000000';
const ADMIN_KEY = 'ak_migrate_store_test_admin_key_000000';
const COLLECTOR_DIR = fileURLToPath(new URL('../../..', import.meta.url));
/** Generous: the machine is shared, and nothing here is timed. */
const CHILD_WAIT_MS = 60_000;

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();
let n = 0;
const msg = (fields: Record<string, unknown>) => ({ messageId: `m-${++n}`, timestamp: at(n), ...fields });

/** The reads a PostgreSQL collector must answer exactly like SQLite did. */
const READS = [
  '/v1/profiles/userId:u-1',
  '/v1/profiles/userId:u-1/events',
  '/v1/profiles/userId:u-1/merges',
  '/v1/profiles/userId:u-1/consent',
  '/v1/profiles/anonymousId:a-3',
  '/v1/profiles/userId:u-3',
  '/v1/events?limit=100',
  '/v1/events/m-2',
  '/v1/deletions',
  '/v1/audiences/pros/members',
  '/v1/audiences/pros/changes',
  '/v1/computed-traits',
  '/v1/subscriptions/email/ada%40example.org',
];

/** The target database with the PostgreSQL store's schema, as a collector would leave it. */
async function prepareTarget(url: string): Promise<void> {
  const pool = createPool({ url });
  try {
    await migratePostgres(pool);
  } finally {
    await pool.end();
  }
}

async function adminGet(url: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return { status: response.status, body: await response.json() };
}

async function send(url: string, batch: Record<string, unknown>[]) {
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(WRITE_KEY) },
    body: JSON.stringify({ batch }),
  });
  return (await response.json()) as { accepted: number; duplicates: number; suppressed: number };
}

async function adminCall(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
}

describe.skipIf(clusterUrl === null)('migrate-store (SQLite -> PostgreSQL)', () => {
  let database: TestDatabase;
  let sqlite: TestCollector;
  let file: string;
  let scratch: string;
  const sqliteReads = new Map<string, unknown>();
  const databases: TestDatabase[] = [];
  const freshDatabase = async () => {
    const created = await createTestDatabase(clusterUrl!);
    databases.push(created);
    await prepareTarget(created.url);
    return created;
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'exhaust-migrate-'));
    sqlite = await startTestCollector({ writeKeys: [WRITE_KEY], adminKey: ADMIN_KEY });
    file = join(sqlite.dir, 'exhaust.db');
    const url = sqlite.url;
    // The activation layer first, so the events below feed it: an audience and a computed trait
    // (memberships, computed values, lifecycle events, due rows), a webhook endpoint (outbox
    // deliveries), and below a subscription change (states, history, a timeline event).
    await adminCall(url, 'POST', '/v1/audiences', {
      key: 'pros',
      name: 'Pros',
      condition: { trait: 'plan', op: 'eq', value: 'pro' },
    });
    await adminCall(url, 'POST', '/v1/computed-traits', { key: 'views', kind: 'count', event: 'Viewed' });
    await adminCall(url, 'POST', '/v1/webhooks', {
      url: 'https://crm.example.org/hooks',
      events: ['audience.entered'],
    });
    // Anonymous browsing, then identify with traits and consent; a second person; a third to erase.
    await send(url, [
      msg({ type: 'page', anonymousId: 'a-1' }),
      msg({ type: 'track', event: 'Viewed', anonymousId: 'a-1', properties: { sku: 'x', price: 12.5 } }),
      msg({
        type: 'identify',
        userId: 'u-1',
        anonymousId: 'a-1',
        traits: { email: 'Ada@Example.org', plan: 'pro' },
        context: { consent: { categoryPreferences: { ads: true, analytics: false } } },
      }),
      msg({ type: 'identify', userId: 'u-2', anonymousId: 'a-2', traits: { plan: 'free' } }),
      msg({ type: 'track', event: 'Bought', userId: 'u-2', properties: { total: 3 } }),
      msg({ type: 'identify', userId: 'u-3', anonymousId: 'a-3', traits: { email: 'gone@example.org' } }),
      msg({ type: 'page', anonymousId: 'a-3' }),
    ]);
    await adminCall(url, 'PUT', '/v1/subscriptions/email/ada%40example.org', { status: 'unsubscribed', source: 'api' });
    await adminCall(url, 'POST', '/v1/merges', { from: 'userId:u-2', into: 'userId:u-1' });
    await adminCall(url, 'DELETE', '/v1/profiles/userId:u-3?suppress=true');
    // Dropped by the suppression: a dedupe row, a drop count, no event.
    expect((await send(url, [msg({ type: 'track', event: 'Back', userId: 'u-3' })])).suppressed).toBe(1);
    await send(url, [msg({ type: 'track', event: 'Later', anonymousId: 'a-4' })]);
    // The computed trait's backfill runs in the background: read once it is live, as a stopped collector leaves it.
    for (;;) {
      const { body } = await adminGet(url, '/v1/computed-traits');
      if ((body as { data: { status: string }[] }).data.every((d) => d.status === 'live')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const path of READS) {
      const read = await adminGet(url, path);
      sqliteReads.set(path, read);
    }
  });

  afterAll(async () => {
    await sqlite?.stop();
    for (const created of databases) await created.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses the SQLite file while its collector runs', async () => {
    database = await freshDatabase();
    await expect(migrateStore({ from: file, to: database.url })).rejects.toThrow(/in use by another process/);
  });

  it('copies everything, resumes after a stop, and a PostgreSQL collector answers like SQLite', async () => {
    await sqlite.close();
    const lines: string[] = [];
    const first = await migrateStore({
      from: file,
      to: database.url,
      batchRows: 2,
      stopAfterBatches: 2,
      onProgress: (line) => lines.push(line),
    });
    expect(first).toMatchObject({ stopped: true, ok: false, resumed: false });
    expect(lines.filter((l) => l.startsWith('events:'))).toHaveLength(2);

    const second = await migrateStore({ from: file, to: database.url, batchRows: 2 });
    expect(second).toMatchObject({ stopped: false, ok: true, resumed: true });
    const events = second.tables.find((t) => t.table === 'events')!;
    expect(events).toMatchObject({ sqliteRows: 9, postgresRows: 9, copiedThisRun: 5, status: 'ok' });
    expect(second.tables.filter((t) => t.status === 'mismatch')).toEqual([]);
    for (const table of [
      'id_fragments',
      'id_merges',
      'id_deletions',
      'id_suppressions',
      'id_consent_records',
      'activation_definitions',
      'activation_profiles',
      'activation_memberships',
      'activation_changes',
      'webhook_endpoints',
      'webhook_deliveries',
      'sub_states',
      'sub_history',
    ]) {
      expect(second.tables.find((t) => t.table === table)?.sqliteRows, table).toBeGreaterThan(0);
    }

    const third = await migrateStore({ from: file, to: database.url });
    expect(third).toMatchObject({ ok: true, rowsCopied: 0 });
    expect(third.tables.map((t) => t.postgresRows)).toEqual(second.tables.map((t) => t.postgresRows));

    const postgres: RunningCollector = await startCollector({
      port: 0,
      db: database.url,
      writeKeys: [WRITE_KEY],
      adminKey: ADMIN_KEY,
      logLevel: 'silent',
    });
    try {
      for (const path of READS) expect(await adminGet(postgres.url, path), path).toEqual(sqliteReads.get(path));
      // Dedupe survived the move; new events get seqs after the copied ones.
      expect(
        await send(postgres.url, [{ ...msg({ type: 'page', anonymousId: 'a-1' }), messageId: 'm-1' }]),
      ).toMatchObject({
        accepted: 0,
        duplicates: 1,
      });
      expect(await send(postgres.url, [{ ...msg({ type: 'track', event: 'Back', userId: 'u-3' }) }])).toMatchObject({
        suppressed: 1,
      });
      const fresh = msg({ type: 'identify', userId: 'u-9', anonymousId: 'a-9' });
      expect(await send(postgres.url, [fresh])).toMatchObject({ accepted: 1 });
      const list = (await adminGet(postgres.url, '/v1/events?limit=1')).body as { data: { messageId: string }[] };
      expect(list.data[0]?.messageId).toBe(fresh.messageId);
      // A new profile: its fragment id came from a sequence moved past the copied ids (else a key clash).
      const profile = await adminGet(postgres.url, '/v1/profiles/userId:u-9');
      expect(profile.status).toBe(200);
      expect((profile.body as { id: string }).id).not.toBe(
        (sqliteReads.get(READS[0]!) as { body: { id: string } }).body.id,
      );
    } finally {
      await postgres.close();
    }
  });

  it('refuses a target holding another store, and one already holding data', async () => {
    const other = await startTestCollector({ writeKeys: ['wk_other_store_key_0000000000000000'], adminKey: ADMIN_KEY });
    const otherFile = join(other.dir, 'exhaust.db');
    await other.close();
    try {
      await expect(migrateStore({ from: otherFile, to: database.url })).rejects.toThrow(/another SQLite store/);
      const used = await freshDatabase();
      const running = await startCollector({
        port: 0,
        db: used.url,
        writeKeys: [WRITE_KEY],
        adminKey: ADMIN_KEY,
        logLevel: 'silent',
      });
      await send(running.url, [msg({ type: 'page', anonymousId: 'z' })]);
      await running.close();
      await expect(migrateStore({ from: otherFile, to: used.url })).rejects.toThrow(/already holds data \(events/);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('refuses to run beside another migrate-store on the same database', async () => {
    const target = await freshDatabase();
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [LOCK_KEYS.migrateStore]);
      await expect(migrateStore({ from: file, to: target.url })).rejects.toThrow(/another migrate-store is copying/);
    } finally {
      await holder.end();
    }
  });

  it('fails on a SQLite table without a spec, and names a table PostgreSQL lacks', async () => {
    const copy = join(scratch, 'stray.db');
    copyFileSync(file, copy);
    const db = new Database(copy);
    db.exec('CREATE TABLE stray (x INTEGER PRIMARY KEY); INSERT INTO stray VALUES (1), (2);');
    db.close();
    const target = await freshDatabase();
    await expect(migrateStore({ from: copy, to: target.url })).rejects.toThrow(
      /SQLite table stray holds 2 rows and migrate-store has no spec for it/,
    );
    await expect(
      migrateStore({ from: copy, to: target.url, specs: [{ sqlite: 'stray', key: ['x'] }] }),
    ).rejects.toThrow(/table stray missing on PostgreSQL \(store version \d+\)/);
  });

  it('a CLI process SIGKILLed mid-copy resumes to the same counts', async () => {
    const target = await freshDatabase();
    const cli = (extra: string[] = []) =>
      spawn(
        process.execPath,
        [
          '--conditions=source',
          '--import',
          'tsx',
          'src/cli.ts',
          'migrate-store',
          '--from',
          file,
          '--to',
          target.url,
          ...extra,
        ],
        { cwd: COLLECTOR_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
      );
    const killed = cli(['--batch-rows', '1']);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no progress from the CLI')), CHILD_WAIT_MS);
      let text = '';
      killed.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if ((text.match(/^events: /gm) ?? []).length >= 3) {
          clearTimeout(timer);
          killed.kill('SIGKILL');
          resolve();
        }
      });
      killed.once('exit', () => reject(new Error(`the CLI ended before it was killed:\n${text}`)));
    });
    const resumed = cli(['--json']);
    let stdout = '';
    resumed.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => resumed.once('exit', resolve));
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as {
      resumed: boolean;
      tables: { table: string; postgresRows: number; sqliteRows: number }[];
    };
    expect(summary.resumed).toBe(true);
    for (const t of summary.tables.filter((t) => t.postgresRows !== null))
      expect(t.postgresRows, t.table).toBe(t.sqliteRows);
    // 6 sent and stored, 2 Audience Entered (u-1, then u-2 merged in), 1 subscription change on the timeline.
    expect(summary.tables.find((t) => t.table === 'events')?.postgresRows).toBe(9);
  });
});
