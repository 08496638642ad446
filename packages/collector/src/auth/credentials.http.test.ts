/**
 * Which key may travel how, over real HTTP: write keys by Basic auth or
 * `writeKey` in the body (ingest only), admin keys by Bearer (admin API only).
 * Every other combination is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startTestCollector, type TestCollector, track } from '../test/harness.js';

const WRITE_KEY = 'wk_credentials_test_0123456789';
const ADMIN_KEY = 'ak_credentials_test_0123456789';
const UNKNOWN_KEY = 'wk_nobody_has_this_key_000000';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({
    config: { sources: [{ name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['*'] }], adminKeys: [ADMIN_KEY] },
  });
});
afterAll(async () => {
  await collector.stop();
});

const ingest = (authorization: string | null, bodyKey?: string) =>
  fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ batch: [track()], ...(bodyKey ? { writeKey: bodyKey } : {}) }),
  });
const read = (authorization: string | null) =>
  fetch(`${collector.url}/v1/events?limit=1`, { headers: authorization ? { authorization } : {} });

async function answer(res: Response): Promise<[number, string | null]> {
  const body = (await res.json()) as { error?: { code: string } };
  return [res.status, body.error?.code ?? null];
}

describe('ingest takes write keys by Basic auth or in the body, nothing else', () => {
  it.each([
    ['write key as Basic', basic(WRITE_KEY), undefined, 200, null],
    ['write key in the body', null, WRITE_KEY, 200, null],
    ['write key as Bearer', `Bearer ${WRITE_KEY}`, undefined, 401, 'unauthorized'],
    ['write key as Bearer, even with a good body key', `Bearer ${WRITE_KEY}`, WRITE_KEY, 401, 'unauthorized'],
    ['admin key as Basic', basic(ADMIN_KEY), undefined, 403, 'forbidden'],
    ['admin key in the body', null, ADMIN_KEY, 403, 'forbidden'],
    ['admin key as Bearer', `Bearer ${ADMIN_KEY}`, undefined, 401, 'unauthorized'],
    ['unknown key as Basic', basic(UNKNOWN_KEY), undefined, 401, 'unauthorized'],
    ['unknown key in the body', null, UNKNOWN_KEY, 401, 'unauthorized'],
    ['no key', null, undefined, 401, 'unauthorized'],
  ] as const)('%s: %i', async (_name, authorization, bodyKey, status, code) => {
    expect(await answer(await ingest(authorization, bodyKey))).toEqual([status, code]);
  });
});

describe('the admin API takes admin keys by Bearer, nothing else', () => {
  it.each([
    ['admin key as Bearer', `Bearer ${ADMIN_KEY}`, 200, null],
    ['admin key as Basic', basic(ADMIN_KEY), 401, 'unauthorized'],
    ['admin key in another scheme', `Token ${ADMIN_KEY}`, 401, 'unauthorized'],
    ['write key as Bearer', `Bearer ${WRITE_KEY}`, 403, 'forbidden'],
    ['write key as Basic', basic(WRITE_KEY), 401, 'unauthorized'],
    ['unknown key as Bearer', `Bearer ${UNKNOWN_KEY}`, 401, 'unauthorized'],
    ['no key', null, 401, 'unauthorized'],
  ] as const)('%s: %i', async (_name, authorization, status, code) => {
    expect(await answer(await read(authorization))).toEqual([status, code]);
  });

  it('guards the source and admin-key API the same way', async () => {
    for (const path of ['/v1/sources', '/v1/admin-keys']) {
      const asBasic = await fetch(`${collector.url}${path}`, { headers: { authorization: basic(ADMIN_KEY) } });
      expect(await answer(asBasic)).toEqual([401, 'unauthorized']);
      const asWriter = await fetch(`${collector.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json' },
        body: '{"name":"x"}',
      });
      expect(await answer(asWriter)).toEqual([403, 'forbidden']);
    }
  });
});
