/**
 * Audiences over collector processes (the built CLI) sharing one PostgreSQL
 * database: an audience whose membership ends with time alone is exited
 * exactly once, whichever collector's scheduler claims the due profile; and
 * when the collector that claimed it is SIGKILLed before it re-evaluates, the
 * other takes the row once the lease runs out and exits the person, once.
 * Needs `dist/` (`pnpm build`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type CliProcess, startCli } from './test/cli-process.js';
import { basic, track } from './test/harness.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from './test/postgres.js';

const clusterUrl = testPostgresUrl();
const WRITE_KEY = 'pg-activation-write-key-0001';
const ADMIN_KEY = 'pg-activation-admin-key-0001';
const ENV = { EXHAUST_WRITE_KEYS: WRITE_KEY, EXHAUST_ADMIN_KEY: ADMIN_KEY };
/** Short, so that a dead claimer's row comes back within the test. */
const LEASE_MS = 3_000;
/** Longest the tests wait for something the schedulers do. */
const WAIT_MS = 30_000;

let dir: string;
let configFile: string;

async function admin(collector: CliProcess, path: string, body?: unknown): Promise<Response> {
  return fetch(`${collector.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function send(collector: CliProcess, event: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${collector.url}/v1/track`, {
    method: 'POST',
    headers: { authorization: basic(WRITE_KEY), 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  expect(res.status).toBe(200);
}

/** An audience of people who viewed a product within the last `within`: everyone leaves it by time. */
async function defineJustViewed(collector: CliProcess, within: string): Promise<void> {
  const res = await admin(collector, '/v1/audiences', {
    key: 'just_viewed',
    name: 'Just viewed',
    condition: { event: 'Product Viewed', within },
  });
  expect(res.status).toBe(201);
}

interface Change {
  profileId: string;
  change: 'entered' | 'exited';
  reason: string;
  seq: number;
}

async function changes(collector: CliProcess): Promise<Change[]> {
  const res = await admin(collector, '/v1/audiences/just_viewed/changes?limit=100');
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Change[] }).data;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The profile's `Audience Exited` events, as its timeline lists them. */
async function exitEvents(collector: CliProcess, profileId: string): Promise<unknown[]> {
  const res = await admin(collector, `/v1/profiles/${profileId}/events?limit=100`);
  expect(res.status).toBe(200);
  const events = ((await res.json()) as { data: { message: { event?: string } }[] }).data;
  return events.filter((event) => event.message.event === 'Audience Exited');
}

describe.skipIf(clusterUrl === null)('audiences on two collector processes sharing one PostgreSQL database', () => {
  const databases: TestDatabase[] = [];
  /** A database of its own per test: the CLI has no schema option. */
  const freshDatabase = async () => {
    const database = await createTestDatabase(clusterUrl!);
    databases.push(database);
    return database.url;
  };
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` before these tests`);
    dir = mkdtempSync(join(tmpdir(), 'exhaust-pg-activation-'));
    configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ activation: { schedulerLeaseMs: LEASE_MS } }));
  });
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits a person exactly once when the audience ends by time, whichever scheduler claims it', {
    timeout: 120_000,
  }, async () => {
    const url = await freshDatabase();
    const collectors = await Promise.all([0, 1].map(() => startCli(['--db', url, '--config', configFile], ENV)));
    try {
      const [a, b] = collectors as [CliProcess, CliProcess];
      await defineJustViewed(a, '3s');
      await send(b, track({ event: 'Product Viewed', anonymousId: 'visitor-1' }));
      const exited = await until('the exit', async () => (await changes(a)).find((c) => c.change === 'exited'));
      expect(exited).toMatchObject({ reason: 'time', seq: 2 });
      // A few more scheduler passes on both: nothing more happens.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await changes(b)).map((c) => [c.change, c.reason, c.seq])).toEqual([
        ['entered', 'event', 1],
        ['exited', 'time', 2],
      ]);
      expect(await exitEvents(a, exited.profileId)).toHaveLength(1);
    } finally {
      await Promise.all(collectors.map((c) => c.stop()));
    }
  });

  it('gives a row whose claimer was killed mid-lease to the other collector, which exits the person once', {
    timeout: 120_000,
  }, async () => {
    const url = await freshDatabase();
    const claimer = await startCli(['--db', url, '--config', configFile], ENV);
    let other: CliProcess | undefined;
    const session = new pg.Client({ connectionString: url });
    await session.connect();
    try {
      await defineJustViewed(claimer, '2s');
      await send(claimer, track({ event: 'Product Viewed', anonymousId: 'visitor-2' }));
      const profile = (await (await admin(claimer, '/v1/profiles/anonymousId:visitor-2')).json()) as { id: string };
      // Hold the profile's lock (the one every evaluation takes): the claimer's scheduler claims
      // the row when it is due, then waits on the lock in its re-evaluation. Killed there, it
      // leaves the row leased and nothing evaluated.
      await session.query(
        `SELECT pg_advisory_lock((id >> 31)::int, (id & 2147483647)::int) FROM id_fragments WHERE public_id = $1`,
        [profile.id],
      );
      await until('the claim', async () => {
        const { rows } = await session.query(
          `SELECT 1 FROM activation_profiles p JOIN id_fragments f ON f.id = p.profile_id
           WHERE f.public_id = $1 AND p.lease_owner IS NOT NULL`,
          [profile.id],
        );
        const { rows: waiting } = await session.query(
          "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        return rows.length > 0 && waiting.length > 0 ? true : undefined;
      });
      claimer.child.kill('SIGKILL');
      expect((await claimer.exited).signal).toBe('SIGKILL');
      await session.query('SELECT pg_advisory_unlock_all()');

      other = await startCli(['--db', url, '--config', configFile], ENV);
      // Still leased to the dead claimer: nothing happened yet.
      expect((await changes(other)).map((c) => c.change)).toEqual(['entered']);
      const exited = await until('the exit', async () => (await changes(other!)).find((c) => c.change === 'exited'));
      expect(exited).toMatchObject({ profileId: profile.id, reason: 'time', seq: 2 });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await changes(other)).map((c) => c.change)).toEqual(['entered', 'exited']);
      expect(await exitEvents(other, profile.id)).toHaveLength(1);
    } finally {
      await session.end();
      await claimer.stop();
      await other?.stop();
    }
  });
});
