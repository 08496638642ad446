/** Routing-level behaviour that needs no network: in-process `app.request()` over a real SQLite store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '@exhaust/schema';
import { afterAll, expect, it } from 'vitest';
import { createApp } from './app.js';
import { createKeyring } from './auth/keyring.js';
import { createLogger } from './log.js';
import { createSqliteStore } from './store/sqlite/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('healthz answers 503 in the error shape once the database no longer answers', async () => {
  const store = await createSqliteStore({ file: join(dir, 'health.db'), mode: 'inline' });
  const app = createApp({
    store,
    keyring: createKeyring([{ name: 'web', writeKey: 'k'.repeat(16), allowedOrigins: [] }], ['a'.repeat(16)]),
    limits: DEFAULT_LIMITS,
    ipPolicy: 'drop',
  });
  expect((await app.request('/healthz')).status).toBe(200);
  await store.close();
  const res = await app.request('/healthz');
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ error: { code: 'internal_error' } });
});

it('answers Segment one-letter paths like the long ones', async () => {
  const store = await createSqliteStore({ file: join(dir, 'short.db'), mode: 'inline' });
  const key = 'k'.repeat(16);
  const app = createApp({
    store,
    keyring: createKeyring([{ name: 'web', writeKey: key, allowedOrigins: [] }], ['a'.repeat(16)]),
    limits: DEFAULT_LIMITS,
    ipPolicy: 'drop',
  });
  const send = (path: string, body: object) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ ...body, writeKey: key }),
    });
  expect(
    await (await send('/v1/b', { batch: [{ type: 'track', event: 'x', anonymousId: 'a', messageId: 'b-1' }] })).json(),
  ).toMatchObject({
    accepted: 1,
  });
  expect(await (await send('/v1/t', { event: 'x', anonymousId: 'a', messageId: 't-1' })).json()).toMatchObject({
    accepted: 1,
  });
  expect(await (await send('/v1/i', { userId: 'u-1', messageId: 'i-1' })).json()).toMatchObject({ accepted: 1 });
  expect((await store.getEvent('i-1'))?.type).toBe('identify');
  // The IP policy `drop` leaves no address behind.
  expect((await store.getEvent('t-1'))?.message.context?.ip).toBeUndefined();
  await store.close();
});

it('logs one JSON line per request with method, path, status, events and ms', async () => {
  const store = await createSqliteStore({ file: join(dir, 'log.db'), mode: 'inline' });
  const key = 'k'.repeat(16);
  const lines: string[] = [];
  const app = createApp({
    store,
    keyring: createKeyring([{ name: 'web', writeKey: key, allowedOrigins: [] }], ['a'.repeat(16)]),
    limits: DEFAULT_LIMITS,
    ipPolicy: 'drop',
    logger: createLogger({ level: 'info', write: (line) => lines.push(line) }),
  });
  const body = JSON.stringify({
    writeKey: key,
    batch: [{ type: 'track', event: 'x', anonymousId: 'a' }, { type: 'track' }],
  });
  await app.request('/v1/batch', { method: 'POST', body });
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0] as string);
  expect(line).toMatchObject({
    level: 'info',
    msg: 'request',
    method: 'POST',
    path: '/v1/batch',
    status: 200,
    events: 2,
  });
  expect(line).not.toHaveProperty('clientDropped');
  expect(typeof line.ms).toBe('number');
  expect(typeof line.time).toBe('string');

  // An SDK's report of events it dropped before sending reaches the operator's log.
  await app.request('/v1/batch', {
    method: 'POST',
    body: JSON.stringify({ writeKey: key, dropped: 7, batch: [{ type: 'track', event: 'y', anonymousId: 'a' }] }),
  });
  expect(JSON.parse(lines[1] as string)).toMatchObject({ status: 200, events: 1, clientDropped: 7 });
  await store.close();
});
