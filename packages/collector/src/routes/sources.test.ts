/** The source and admin-key API over real HTTP, against a real SQLite file (worker mode). */
import type { ApiErrorBody, CreatedKey, KeyInfo, Source, StoredEvent } from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startTestCollector, type TestCollector, track } from '../test/harness.js';

const WRITE_KEY = 'web-write-key-0123456789';
const ADMIN_KEY = 'admin-key-0123456789abcdef';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({
    config: {
      sources: [{ name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['https://www.example.com'] }],
      adminKeys: [ADMIN_KEY],
    },
  });
});
afterAll(async () => {
  await collector.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${collector.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

const ingestWith = (key: string, headers: Record<string, string> = {}) =>
  fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(key), ...headers },
    body: JSON.stringify({ batch: [track()] }),
  });

let counter = 0;
const uniqueName = () => `source-${++counter}`;

async function newSource(fields: Record<string, unknown> = {}): Promise<Source> {
  const { status, body } = await api('POST', '/v1/sources', { name: uniqueName(), ...fields });
  expect(status).toBe(201);
  return body;
}

async function newKey(sourceId: string): Promise<CreatedKey> {
  const { status, body } = await api('POST', `/v1/sources/${sourceId}/keys`);
  expect(status).toBe(201);
  return body;
}

describe('sources', () => {
  it('lists the config file sources with their keys masked', async () => {
    const { status, body } = await api('GET', '/v1/sources');
    expect(status).toBe(200);
    const web = (body.data as Source[]).find((s) => s.id === 'web');
    expect(web).toMatchObject({
      id: 'web',
      name: 'web',
      allowedOrigins: ['https://www.example.com'],
      enabled: true,
      fromConfig: true,
      keys: [{ hint: '…6789', fromConfig: true, revokedAt: null }],
    });
    expect(JSON.stringify(body)).not.toContain(WRITE_KEY);
    expect((await api('GET', '/v1/sources/web')).body).toEqual(web);
  });

  it('creates a source, gives it a key that works once, and lists the key masked', async () => {
    const source = await newSource({ allowedOrigins: ['https://app.example.org/some/page'] });
    expect(source).toMatchObject({
      id: expect.stringMatching(/^src_/),
      allowedOrigins: ['https://app.example.org'],
      enabled: true,
      fromConfig: false,
      keys: [],
    });
    expect(source.createdAt).toBe(source.updatedAt);
    const created = await newKey(source.id);
    expect(created).toMatchObject({ id: expect.stringMatching(/^key_/), fromConfig: false, revokedAt: null });
    expect(created.key).toMatch(/^wk_[\w-]{32}$/);
    expect(created.hint).toBe(`wk_…${created.key.slice(-4)}`);

    const message = track();
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://app.example.org' },
      body: JSON.stringify({ writeKey: created.key, batch: [message] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
    // Events record the source's id: dedupe stays per source across renames.
    expect(((await (await collector.admin(`/v1/events/${message.messageId}`)).json()) as StoredEvent).source).toBe(
      source.id,
    );
    expect((await ingestWith(created.key, { origin: 'https://www.example.com' })).status).toBe(403);

    const listed = (await api('GET', `/v1/sources/${source.id}`)).body as Source;
    expect(listed.keys).toEqual([
      {
        id: created.id,
        hint: created.hint,
        fromConfig: false,
        createdAt: created.createdAt,
        revokedAt: null,
      } satisfies KeyInfo,
    ]);
    expect(JSON.stringify(await api('GET', '/v1/sources'))).not.toContain(created.key);
  });

  it('changes name, origins and enabled; a disabled source answers 403 source_disabled', async () => {
    const source = await newSource();
    const { key } = await newKey(source.id);
    expect((await ingestWith(key)).status).toBe(200);

    const renamed = await api('PATCH', `/v1/sources/${source.id}`, { name: 'renamed', allowedOrigins: ['*'] });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: source.id, name: 'renamed', allowedOrigins: ['*'], enabled: true });

    const disabled = await api('PATCH', `/v1/sources/${source.id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ name: 'renamed', enabled: false });
    const refused = await ingestWith(key);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ApiErrorBody).error.code).toBe('source_disabled');
    // A disabled source no longer opens preflights for its origins.
    await api('PATCH', `/v1/sources/${source.id}`, { allowedOrigins: ['https://only-disabled.example'] });
    const preflight = await fetch(`${collector.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin: 'https://only-disabled.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);

    await api('PATCH', `/v1/sources/${source.id}`, { enabled: true });
    expect((await ingestWith(key)).status).toBe(200);
    await api('PATCH', `/v1/sources/${source.id}`, { name: source.name });
  });

  it('revokes a key: it answers 401 at once, and stays listed with revokedAt', async () => {
    const source = await newSource();
    const [first, second] = [await newKey(source.id), await newKey(source.id)];
    const revoked = await api('DELETE', `/v1/sources/${source.id}/keys/${first.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: first.id, revokedAt: expect.any(String) });
    const refused = await ingestWith(first.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as ApiErrorBody).error.code).toBe('unauthorized');
    expect((await ingestWith(second.key)).status).toBe(200);
    // Revoking again changes nothing.
    expect((await api('DELETE', `/v1/sources/${source.id}/keys/${first.id}`)).body).toEqual(revoked.body);
    const keys = (await api('GET', `/v1/sources/${source.id}`)).body.keys as KeyInfo[];
    expect(keys.map((k) => [k.id, k.revokedAt !== null])).toEqual([
      [first.id, true],
      [second.id, false],
    ]);
  });

  it('answers 400 naming the field for bad input', async () => {
    const cases: [string, string, unknown, (string | number)[]][] = [
      ['POST', '/v1/sources', {}, ['name']],
      ['POST', '/v1/sources', { name: '' }, ['name']],
      ['POST', '/v1/sources', { name: 'x'.repeat(101) }, ['name']],
      ['POST', '/v1/sources', { name: 'ok', allowedOrigins: ['not a url'] }, ['allowedOrigins', 0]],
      ['POST', '/v1/sources', { name: 'ok', allowedOrigins: 'https://a.example' }, ['allowedOrigins']],
      ['POST', '/v1/sources', { name: 'ok', enabled: 'yes' }, ['enabled']],
      ['POST', '/v1/sources', { name: 'ok', writeKey: 'x'.repeat(20) }, []],
      ['PATCH', '/v1/sources/web', {}, []],
      ['PATCH', '/v1/sources/web', { enabled: 1 }, ['enabled']],
      ['PATCH', '/v1/sources/web', { allowedOrigins: ['ftp://a.example'] }, ['allowedOrigins', 0]],
    ];
    for (const [method, path, body, field] of cases) {
      const { status, body: answer } = await api(method, path, body);
      expect([method, path, body, status, answer.error.code]).toEqual([method, path, body, 400, 'invalid_body']);
      expect(answer.error.issues[0].path).toEqual(field);
      if (field.length) expect(answer.error.message).toContain(field.join('.'));
      if (field[0] === 'allowedOrigins' && field.length === 2) expect(answer.error.message).toContain('http(s) origin');
    }
    expect((await api('POST', '/v1/sources', '{"name":')).body.error.code).toBe('invalid_json');
    expect((await api('PATCH', '/v1/sources/web', 'nope')).body.error.code).toBe('invalid_json');
  });

  it('answers 409 for a name another source has', async () => {
    const source = await newSource();
    const taken = await api('POST', '/v1/sources', { name: source.name });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'conflict', issues: [{ path: ['name'] }] });
    const renamed = await api('PATCH', '/v1/sources/web', { name: source.name });
    expect(renamed.status).toBe(409);
    // Its own name is no conflict.
    expect((await api('PATCH', `/v1/sources/${source.id}`, { name: source.name })).status).toBe(200);
  });

  it('answers 404 for unknown sources and keys, 405 for other methods', async () => {
    const source = await newSource();
    const other = await newSource();
    const key = await newKey(other.id);
    const notFound: [string, string, unknown, string][] = [
      ['GET', '/v1/sources/src_nope', undefined, 'source_not_found'],
      ['PATCH', '/v1/sources/src_nope', { enabled: false }, 'source_not_found'],
      ['POST', '/v1/sources/src_nope/keys', undefined, 'source_not_found'],
      ['DELETE', '/v1/sources/src_nope/keys/key_nope', undefined, 'source_not_found'],
      ['DELETE', `/v1/sources/${source.id}/keys/key_nope`, undefined, 'key_not_found'],
      // A key is revoked through its own source only.
      ['DELETE', `/v1/sources/${source.id}/keys/${key.id}`, undefined, 'key_not_found'],
    ];
    for (const [method, path, body, code] of notFound) {
      const answer = await api(method, path, body);
      expect([method, path, answer.status, answer.body.error.code]).toEqual([method, path, 404, code]);
    }
    expect((await ingestWith(key.key)).status).toBe(200);
    expect((await api('DELETE', `/v1/sources/${source.id}`)).status).toBe(405);
    expect((await api('PUT', '/v1/sources')).status).toBe(405);
  });
});

describe('admin keys', () => {
  it('lists, creates and revokes admin keys; a revoked one answers 401 at once', async () => {
    const listed = await api('GET', '/v1/admin-keys');
    expect(listed.body.data).toEqual([
      {
        id: expect.stringMatching(/^key_/),
        hint: '…cdef',
        fromConfig: true,
        createdAt: expect.any(String),
        revokedAt: null,
      },
    ]);
    const created = await api('POST', '/v1/admin-keys');
    expect(created.status).toBe(201);
    const key = created.body as CreatedKey;
    expect(key.key).toMatch(/^ak_[\w-]{32}$/);
    expect(key.hint).toBe(`ak_…${key.key.slice(-4)}`);
    const withNew = await fetch(`${collector.url}/v1/admin-keys`, { headers: { authorization: `Bearer ${key.key}` } });
    expect(withNew.status).toBe(200);
    const all = ((await withNew.json()) as { data: KeyInfo[] }).data;
    expect(all.map((k) => k.id)).toEqual([listed.body.data[0].id, key.id]);
    expect(JSON.stringify(all)).not.toContain(key.key);
    // An admin key is no write key.
    expect((await ingestWith(key.key)).status).toBe(403);

    const revoked = await api('DELETE', `/v1/admin-keys/${key.id}`);
    expect(revoked).toMatchObject({ status: 200, body: { id: key.id, revokedAt: expect.any(String) } });
    const refused = await fetch(`${collector.url}/v1/admin-keys`, { headers: { authorization: `Bearer ${key.key}` } });
    expect(refused.status).toBe(401);
  });

  it('refuses to revoke the last active admin key (409) and answers 404 for unknown ids', async () => {
    const only = ((await api('GET', '/v1/admin-keys')).body.data as KeyInfo[]).filter((k) => !k.revokedAt);
    expect(only).toHaveLength(1);
    const last = await api('DELETE', `/v1/admin-keys/${only[0]!.id}`);
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('conflict');
    expect((await api('GET', '/v1/admin-keys')).status).toBe(200);
    expect((await api('DELETE', '/v1/admin-keys/key_nope')).body.error.code).toBe('key_not_found');
    // A write key's id is not an admin key's.
    const { keys } = (await api('GET', '/v1/sources/web')).body as Source;
    expect((await api('DELETE', `/v1/admin-keys/${keys[0]!.id}`)).status).toBe(404);
    expect((await api('PATCH', '/v1/admin-keys')).status).toBe(405);
  });
});
