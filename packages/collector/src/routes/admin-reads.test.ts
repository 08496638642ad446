/**
 * Admin reads over real HTTP (issue 8): strict query parameters, event
 * filters, the deletion log and suppression stats. A real collector on
 * loopback with the worker-thread SQLite store on a temp file.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msg, startTestCollector, type TestCollector } from './identity-e2e.support.js';

let c: TestCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c.close();
});

/** messageIds of every page of an admin list, walked with its cursor. */
async function walk(path: string, limit = 2): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const { status, body } = await c.admin(
      'GET',
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    ids.push(...body.data.map((e: { messageId: string }) => e.messageId));
    cursor = body.nextCursor;
  } while (cursor);
  return ids;
}

describe('admin reads refuse unknown query parameters', () => {
  it.each([
    ['/v1/events?evnet=Signed%20Up', 'evnet'],
    ['/v1/events?limit=5&userid=u-1', 'userid'],
    ['/v1/events/some-id?source=web', 'source'],
    ['/v1/profiles?limt=5', 'limt'],
    ['/v1/profiles/userId:u-1?verbose=1', 'verbose'],
    ['/v1/profiles/userId:u-1/events?type=track', 'type'],
    ['/v1/profiles/userId:u-1/merges?limit=5', 'limit'],
    ['/v1/deletions?since=2026-01-01', 'since'],
    ['/v1/suppressions/stats?prefix=ab', 'prefix'],
  ])('GET %s answers 400 invalid_query naming %s', async (path, name) => {
    const { status, body } = await c.admin('GET', path);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_query', issues: [{ path: [name] }] });
    expect(body.error.message).toContain(name);
  });

  it('DELETE /v1/profiles/{ref} refuses a misspelt suppress instead of erasing without suppression', async () => {
    await c.send(msg({ type: 'identify', userId: 'typo-victim' }));
    const { status, body } = await c.admin('DELETE', '/v1/profiles/userId:typo-victim?supress=true');
    expect(status).toBe(400);
    expect(body.error.issues).toEqual([expect.objectContaining({ path: ['supress'] })]);
    expect((await c.profile('userId:typo-victim')).eventCount).toBe(1);
  });
});

describe('GET /v1/events filters', () => {
  const sent: Record<string, Record<string, unknown>> = {};
  beforeAll(async () => {
    sent.browse = msg({ type: 'page', anonymousId: 'f-laptop', properties: { plan: 'pro', seats: 3 } });
    sent.login = msg({ type: 'identify', userId: 'f-u1', anonymousId: 'f-laptop' });
    sent.phone = msg({ type: 'track', event: 'Viewed', anonymousId: 'f-phone', properties: { plan: 'free' } });
    sent.phoneLogin = msg({ type: 'identify', userId: 'f-u1', anonymousId: 'f-phone' });
    sent.buy = msg({
      type: 'track',
      event: 'Bought',
      userId: 'f-u1',
      properties: { plan: 'pro', seats: '3', address: { city: 'Lyon' } },
    });
    sent.other = msg({ type: 'track', event: 'Bought', userId: 'f-u2', properties: { plan: 'pro', seats: 3 } });
    for (const key of ['browse', 'login', 'phone', 'phoneLogin', 'buy', 'other']) await c.send(sent[key]!);
  });
  const ids = (...keys: string[]) => keys.map((key) => sent[key]!.messageId);

  it('profile= takes a ref and answers every fragment of the merged profile', async () => {
    expect(await walk('/v1/events?profile=anonymousId:f-phone')).toEqual(
      ids('buy', 'phoneLogin', 'phone', 'login', 'browse'),
    );
    const profile = await c.profile('userId:f-u1');
    expect(await walk(`/v1/events?profile=${profile.id}&type=track`)).toEqual(ids('buy', 'phone'));
    expect(await c.admin('GET', '/v1/events?profile=userId:nobody')).toEqual({
      status: 200,
      body: { data: [], nextCursor: null },
    });
  });

  it('userId=, anonymousId= and source= match the message as sent', async () => {
    expect(await walk('/v1/events?userId=f-u1')).toEqual(ids('buy', 'phoneLogin', 'login'));
    expect(await walk('/v1/events?anonymousId=f-laptop')).toEqual(ids('login', 'browse'));
    expect(await walk('/v1/events?source=web&userId=f-u2')).toEqual(ids('other'));
    expect(await walk('/v1/events?source=server&userId=f-u2')).toEqual([]);
  });

  it('properties.<path>= compares JSON literals, else text', async () => {
    expect(await walk('/v1/events?properties.plan=pro&userId=f-u1')).toEqual(ids('buy'));
    expect(await walk('/v1/events?properties.plan=pro&anonymousId=f-laptop')).toEqual(ids('browse'));
    expect(await walk('/v1/events?properties.seats=3&properties.plan=pro', 1)).toEqual(ids('other', 'browse'));
    expect(await walk('/v1/events?properties.seats=%223%22')).toEqual(ids('buy'));
    expect(await walk('/v1/events?properties.address.city=Lyon')).toEqual(ids('buy'));
  });

  it('refuses malformed property filters', async () => {
    for (const [query, name] of [
      ['properties.plan={"a":1}', 'properties.plan'],
      ['properties.=x', 'properties.'],
      ['properties.a..b=x', 'properties.a..b'],
      ['properties.a%22b=x', 'properties.a"b'],
    ] as const) {
      const { status, body } = await c.admin('GET', `/v1/events?${query}`);
      expect(status, query).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_query', issues: [{ path: [name] }] });
    }
    const many = Array.from({ length: 6 }, (_, i) => `properties.p${i}=1`).join('&');
    expect((await c.admin('GET', `/v1/events?${many}`)).body.error.issues).toEqual([
      expect.objectContaining({ path: ['properties'] }),
    ]);
  });
});

describe('erasure and suppression are visible without naming anyone', () => {
  it('GET /v1/deletions and GET /v1/suppressions/stats', async () => {
    await c.send(msg({ type: 'identify', userId: 'gone-1', anonymousId: 'gone-a' }));
    await c.send(msg({ type: 'identify', userId: 'gone-2' }));
    const one = await c.admin('DELETE', '/v1/profiles/userId:gone-1?suppress=true');
    const two = await c.admin('DELETE', '/v1/profiles/userId:gone-2');
    await c.send(msg({ type: 'page', anonymousId: 'gone-a' }), msg({ type: 'page', anonymousId: 'gone-a' }));

    const deletions = await c.admin('GET', '/v1/deletions?limit=1');
    expect(deletions.status).toBe(200);
    expect(deletions.body.data).toEqual([
      expect.objectContaining({ deletionId: two.body.deletionId, at: expect.any(String), droppedEvents: 0 }),
    ]);
    const older = await c.admin('GET', `/v1/deletions?limit=1&cursor=${deletions.body.nextCursor}`);
    expect(older.body.data).toEqual([{ ...one.body, at: expect.any(String), droppedEvents: 2 }]);

    const stats = await c.admin('GET', '/v1/suppressions/stats');
    const prefix = createHash('sha256').update('anonymousId:gone-a').digest('hex').slice(0, 16);
    expect(stats).toEqual({
      status: 200,
      body: { data: [{ hashPrefix: prefix, droppedEvents: 2, lastDroppedAt: expect.any(String) }], nextCursor: null },
    });
    expect(JSON.stringify([deletions.body, older.body, stats.body])).not.toContain('gone');

    const asWriter = await fetch(`${c.url}/v1/deletions`, {
      headers: { authorization: 'Bearer wk_identity_e2e_0123456789' },
    });
    expect(asWriter.status).toBe(403);
    expect((await fetch(`${c.url}/v1/suppressions/stats`)).status).toBe(401);
  });
});
