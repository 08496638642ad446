/**
 * The store-backed keyring: ingest answers from memory (no store read per
 * request for a known key), and a change made by anyone sharing the store is
 * picked up by the periodic version check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '@exhaust/schema';
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { createSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { accessSeedOf } from './access-seed.js';
import { keyDigest, keyHint } from './key-format.js';
import { createKeyring, createStoreKeyring } from './keyring.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-keyring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WRITE_KEY = 'web-write-key-0123456789';
const ADMIN_KEY = 'admin-key-0123456789abcdef';

/** The store, counting how often the keyring asked it for keys. */
function counting(store: Store): { store: Store; snapshots: () => number } {
  let snapshots = 0;
  const wrapped: Store = {
    ...store,
    getAccessSnapshot: (version) => {
      snapshots += 1;
      return store.getAccessSnapshot(version);
    },
  };
  return { store: wrapped, snapshots: () => snapshots };
}

async function openSeeded(name: string): Promise<Store> {
  const store = await createSqliteStore({ file: join(dir, name), mode: 'inline' });
  await store.seedAccess(
    accessSeedOf(
      { sources: [{ name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['*'] }], adminKeys: [ADMIN_KEY] },
      new Date(),
    ),
  );
  return store;
}

it('answers known keys from memory: no store read per ingest request', async () => {
  const raw = await openSeeded('per-request.db');
  const { store, snapshots } = counting(raw);
  // An interval longer than the test: every store read below would be per request.
  const keyring = await createStoreKeyring({ store, refreshMs: 60_000 });
  const app = createApp({ store, keyring, limits: DEFAULT_LIMITS, ipPolicy: 'drop' });
  expect(snapshots()).toBe(1);
  for (let i = 0; i < 50; i += 1) {
    const res = await app.request('/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey: WRITE_KEY, event: 'x', anonymousId: 'a', messageId: `m-${i}` }),
    });
    expect(res.status).toBe(200);
    const unknown = await app.request('/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey: 'unknown-key-0123456789', event: 'x', anonymousId: 'a' }),
    });
    expect(unknown.status).toBe(401);
  }
  expect(snapshots()).toBe(1);
  keyring.close();
  await raw.close();
});

it('picks up a revocation made by another collector at its next version check, and stops polling once closed', async () => {
  const raw = await openSeeded('poll.db');
  const { store, snapshots } = counting(raw);
  const keyring = await createStoreKeyring({ store, refreshMs: 50 });
  expect(keyring.identify(WRITE_KEY)).toMatchObject({ kind: 'source', source: { id: 'web', enabled: true } });
  expect(keyring.identify(ADMIN_KEY)).toEqual({ kind: 'admin' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(snapshots()).toBeGreaterThan(2);

  // "Another collector": straight through the store, not through this keyring.
  const [source] = await raw.listSources();
  await raw.revokeKey({ kind: 'write', sourceId: 'web' }, source!.keys[0]!.id, new Date().toISOString());
  const added = { id: 'key_added', hash: keyDigest('added-key-0123456789'), hint: keyHint('added-key-0123456789') };
  await raw.addKey({ kind: 'write', sourceId: 'web' }, { ...added, createdAt: new Date().toISOString() });
  const started = Date.now();
  while (keyring.identify(WRITE_KEY) !== null && Date.now() - started < 2000) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(keyring.identify(WRITE_KEY)).toBeNull();
  expect(keyring.identify('added-key-0123456789')).toMatchObject({ kind: 'source', source: { id: 'web' } });
  keyring.close();
  const after = snapshots();
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(snapshots()).toBe(after);
  await raw.close();
});

it('a fixed keyring from configuration tells write keys, admin keys and origins apart', async () => {
  const keyring = createKeyring(
    [
      { name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['https://a.example'] },
      { name: 'server', writeKey: 'server-key-0123456789', allowedOrigins: [] },
    ],
    [ADMIN_KEY],
  );
  expect(keyring.identify(WRITE_KEY)).toEqual({
    kind: 'source',
    source: { id: 'web', name: 'web', allowedOrigins: ['https://a.example'], enabled: true },
  });
  expect(keyring.identify(ADMIN_KEY)).toEqual({ kind: 'admin' });
  expect(keyring.identify('nope')).toBeNull();
  expect(keyring.anySourceAllows('https://a.example')).toBe(true);
  expect(keyring.anySourceAllows('https://b.example')).toBe(false);
});
