/**
 * Keys live in the store, not in one process: two collectors on one SQLite
 * file (each with its own worker-thread connection, as separate processes
 * would have) see each other's key changes, and keys survive restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreatedKey, Source } from '@exhaust/schema';
import { afterEach, expect, it } from 'vitest';
import type { ConfigFileInput } from '../config/config-schema.js';
import { type RunningCollector, startCollector } from '../server.js';
import { basic } from '../test/harness.js';
import { KEYRING_REFRESH_MS } from './keyring.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const WRITE_KEY = 'web-write-key-0123456789';
const config: ConfigFileInput = {
  sources: [{ name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['*'] }],
  adminKeys: [ADMIN_KEY],
};

const running: RunningCollector[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-keys-'));
  dirs.push(dir);
  return join(dir, 'exhaust.db');
}

async function start(db: string, overrides: ConfigFileInput = config): Promise<RunningCollector> {
  const collector = await startCollector({ port: 0, db, config: overrides, logLevel: 'silent' });
  running.push(collector);
  return collector;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
async function api(c: RunningCollector, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${c.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBeLessThan(300);
  return res.json();
}

/**
 * Status of an ingest request with this key. The message lacks an identity, so
 * it is rejected (200) without touching the store: two engines on one file
 * each count event sequence numbers in memory, so only one of them may store events.
 */
async function ingestStatus(c: RunningCollector, key: string): Promise<number> {
  const res = await fetch(`${c.url}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(key) },
    body: JSON.stringify({ event: 'Probe' }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Polls until `check` holds; answers the milliseconds it took from `since`. */
async function within(limitMs: number, since: number, check: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await check()) return performance.now() - since;
    if (performance.now() - since > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('a key created on one collector works on the other, and once revoked answers 401 on both within a second', async () => {
  const db = freshDb();
  const [a, b] = [await start(db), await start(db)];
  const created: CreatedKey = await api(a, 'POST', '/v1/sources/web/keys');
  expect(await ingestStatus(a, created.key)).toBe(200);
  await within(1000, performance.now(), async () => (await ingestStatus(b, created.key)) === 200);

  const revokedAt = performance.now();
  await api(a, 'DELETE', `/v1/sources/web/keys/${created.id}`);
  // The collector that revoked it reloads at once; the other within its refresh interval.
  expect(await ingestStatus(a, created.key)).toBe(401);
  const tookMs = await within(1000, revokedAt, async () => (await ingestStatus(b, created.key)) === 401);
  expect(tookMs).toBeLessThan(1000);
  expect(KEYRING_REFRESH_MS).toBeLessThanOrEqual(500);
  // The configured key was never touched.
  expect(await ingestStatus(b, WRITE_KEY)).toBe(200);

  // Admin keys and disabled sources travel the same way.
  const admin: CreatedKey = await api(b, 'POST', '/v1/admin-keys');
  await within(1000, performance.now(), async () => {
    const res = await fetch(`${a.url}/v1/sources`, { headers: { authorization: `Bearer ${admin.key}` } });
    await res.arrayBuffer();
    return res.status === 200;
  });
  await api(b, 'PATCH', '/v1/sources/web', { enabled: false });
  await within(1000, performance.now(), async () => (await ingestStatus(a, WRITE_KEY)) === 403);
});

it('keeps API-made sources and keys across a restart, and re-applies the config file on start', async () => {
  const db = freshDb();
  const first = await start(db);
  const source: Source = await api(first, 'POST', '/v1/sources', { name: 'app', allowedOrigins: ['*'] });
  const key: CreatedKey = await api(first, 'POST', `/v1/sources/${source.id}/keys`);
  const configKeyId = (await api(first, 'GET', '/v1/sources/web')).keys[0].id;
  // Revoke the config key through the API: it must stay revoked although the file still lists it.
  await api(first, 'POST', '/v1/sources/web/keys');
  await api(first, 'DELETE', `/v1/sources/web/keys/${configKeyId}`);
  await api(first, 'PATCH', '/v1/sources/web', { name: 'renamed', enabled: false });
  await first.close();

  const next = await start(db, {
    ...config,
    sources: [{ name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['https://new.example'] }],
  });
  expect(await ingestStatus(next, key.key)).toBe(200);
  expect(await ingestStatus(next, WRITE_KEY)).toBe(401);
  const web: Source = await api(next, 'GET', '/v1/sources/web');
  // The file's name and origins win; enabled stays as the API set it.
  expect(web).toMatchObject({ name: 'web', allowedOrigins: ['https://new.example'], enabled: false });
  expect((await api(next, 'GET', '/v1/sources')).data.map((s: Source) => s.id)).toEqual(['web', source.id]);
  await next.close();

  // A key dropped from the file is revoked on the next start.
  const dropped = await start(db, {
    ...config,
    sources: [{ name: 'web', writeKey: 'another-web-key-0123456789', allowedOrigins: ['*'] }],
    adminKeys: ['another-admin-key-0123456789'],
  });
  const res = await fetch(`${dropped.url}/v1/sources`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(res.status).toBe(401);
  expect(await ingestStatus(dropped, key.key)).toBe(200);
});
