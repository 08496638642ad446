/**
 * The ingest and admin API over real HTTP on loopback, against a real SQLite
 * file in a temp folder (worker mode, as in production).
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ApiErrorBody, IngestResponse, Page, Profile, StoredEvent } from '@exhaust/schema';
import { CLOCK_SKEW_STEP_MS, MAX_BODY_BYTES, MAX_EVENT_BYTES, MESSAGE_TYPES } from '@exhaust/schema';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startTestCollector, type TestCollector, track } from './test/harness.js';

const WEB_KEY = 'web-write-key-0123456789';
const SHOP_KEY = 'shop-write-key-0123456789';
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const WEB_ORIGIN = 'https://www.example.com';
const SHOP_ORIGIN = 'https://shop.example.com';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({
    config: {
      sources: [
        { name: 'web', writeKey: WEB_KEY, allowedOrigins: [WEB_ORIGIN] },
        { name: 'shop', writeKey: SHOP_KEY, allowedOrigins: [SHOP_ORIGIN] },
      ],
      adminKeys: [ADMIN_KEY],
      ip: 'keep',
    },
  });
});
afterAll(async () => {
  await collector.stop();
});

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(WEB_KEY), ...headers },
    body,
  });
const json = <T>(res: Response) => res.json() as Promise<T>;
const getEvent = async (id: unknown) => collector.admin(`/v1/events/${encodeURIComponent(String(id))}`);
const isStored = async (id: unknown) => (await getEvent(id)).status === 200;

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await json<ApiErrorBody>(res);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body;
}

describe('ingest', () => {
  it('stores a batch and reads it back newest first, enriched', async () => {
    const messages = [track(), track({ event: 'Signed Up' })];
    const res = await post('/v1/batch', JSON.stringify({ batch: messages, sentAt: new Date().toISOString() }));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      success: true,
      accepted: 2,
      duplicates: 0,
      suppressed: 0,
      rejected: [],
    } satisfies IngestResponse);

    const page = await json<Page<StoredEvent>>(await collector.admin('/v1/events?limit=2'));
    expect(page.data.map((e) => e.messageId)).toEqual([messages[1]?.messageId, messages[0]?.messageId]);

    const stored = await json<StoredEvent>(await getEvent(messages[0]?.messageId));
    expect(stored).toMatchObject({ messageId: messages[0]?.messageId, source: 'web', type: 'track', warnings: [] });
    expect(stored.message.receivedAt).toBe(stored.receivedAt);
    expect(stored.message.originalTimestamp).toBe(messages[0]?.timestamp);
    expect(stored.message.context?.ip).toMatch(/127\.0\.0\.1$/);
  });

  it.each(MESSAGE_TYPES)('POST /v1/%s stores one message of that type', async (type) => {
    const extra: Record<string, Record<string, unknown>> = {
      track: { event: 'Clicked' },
      page: { name: 'Home' },
      screen: { name: 'Home' },
      identify: { userId: 'u-1', traits: { plan: 'pro' } },
      group: { groupId: 'g-1' },
      alias: { userId: 'u-2', previousId: 'anon-9' },
    };
    const message: Record<string, unknown> = { ...track(), type: undefined, event: undefined, ...extra[type] };
    const res = await post(`/v1/${type}`, JSON.stringify(message));
    expect(await json(res)).toMatchObject({ accepted: 1, rejected: [] });
    expect((await json<StoredEvent>(await getEvent(message.messageId))).type).toBe(type);
  });

  it('takes the write key from the body of a text/plain request (no preflight needed)', async () => {
    const message = track();
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ batch: [message], writeKey: SHOP_KEY }),
    });
    expect(await json(res)).toMatchObject({ accepted: 1 });
    expect((await json<StoredEvent>(await getEvent(message.messageId))).source).toBe('shop');
  });

  it('inflates a gzip body', async () => {
    const message = track();
    const res = await post('/v1/batch', gzipSync(JSON.stringify({ batch: [message] })), { 'content-encoding': 'gzip' });
    expect(await json(res)).toMatchObject({ accepted: 1 });
    expect(await isStored(message.messageId)).toBe(true);
  });

  it.each([
    ['plain', (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), {}],
    [
      'gzip',
      (text: string) => gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])),
      { 'content-encoding': 'gzip' },
    ],
  ] as const)('reads a %s body that starts with a UTF-8 byte-order mark', async (_name, encode, headers) => {
    const message = track();
    const res = await post('/v1/batch', encode(JSON.stringify({ batch: [message] })), headers);
    expect(await json(res)).toMatchObject({ accepted: 1, rejected: [] });
    expect(await isStored(message.messageId)).toBe(true);
  });

  it('counts what it dropped as suppressed, so every message sent is counted once', async () => {
    const userId = `erased-${Date.now()}`;
    await post('/v1/identify', JSON.stringify(track({ type: 'identify', event: undefined, userId })));
    const erased = await fetch(`${collector.url}/v1/profiles/${encodeURIComponent(`userId:${userId}`)}?suppress=true`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(erased.status).toBe(200);
    const seen = track();
    await post('/v1/batch', JSON.stringify({ batch: [seen] }));
    const batch = [track({ userId }), track({ userId }), track(), seen, track({ event: undefined })];
    const body = await json<IngestResponse>(await post('/v1/batch', JSON.stringify({ batch })));
    expect(body).toMatchObject({ success: true, accepted: 1, duplicates: 1, suppressed: 2 });
    expect(body.rejected.map((r) => r.index)).toEqual([4]);
    expect(body.accepted + body.duplicates + body.suppressed + body.rejected.length).toBe(batch.length);
  });

  it('rejects a message holding a number beyond double range, naming its path, and stores the rest', async () => {
    const good = track();
    const huge = track();
    const tiny = track();
    // JSON.parse reads these as ±Infinity, which JSON.stringify would store as null.
    const withProperties = (message: Record<string, unknown>, properties: string) =>
      JSON.stringify({ ...message, properties: 0 }).replace('"properties":0', `"properties":${properties}`);
    const text = `{"batch":[${withProperties(huge, '{"total":1e400}')},${JSON.stringify(good)},${withProperties(tiny, '{"list":[1,-1e400]}')}]}`;
    const body = await json<IngestResponse>(await post('/v1/batch', text));
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([
      {
        index: 0,
        messageId: huge.messageId,
        code: 'invalid_number',
        path: ['properties', 'total'],
        message: expect.any(String),
      },
      {
        index: 2,
        messageId: tiny.messageId,
        code: 'invalid_number',
        path: ['properties', 'list', 1],
        message: expect.any(String),
      },
    ]);
    expect(await isStored(good.messageId)).toBe(true);
    expect(await isStored(huge.messageId)).toBe(false);
    expect(await isStored(tiny.messageId)).toBe(false);
  });

  it('generates a messageId when the client sent none', async () => {
    const { messageId: _omitted, ...message } = track({ event: 'No Id Event' });
    expect(await json(await post('/v1/track', JSON.stringify(message)))).toMatchObject({ accepted: 1 });
    const page = await json<Page<StoredEvent>>(await collector.admin('/v1/events?event=No%20Id%20Event'));
    expect(page.data[0]?.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('acknowledges a duplicate messageId without storing it again', async () => {
    const message = track({ properties: { version: 1 } });
    await post('/v1/batch', JSON.stringify({ batch: [message] }));
    const again = await post('/v1/batch', JSON.stringify({ batch: [{ ...message, properties: { version: 2 } }] }));
    expect(await json(again)).toEqual({ success: true, accepted: 0, duplicates: 1, suppressed: 0, rejected: [] });
    const stored = await json<StoredEvent>(await getEvent(message.messageId));
    expect(stored.message.properties).toEqual({ version: 1 });
    expect(stored.warnings).toContainEqual({ code: 'duplicate_message_id', detail: null });
  });

  it('clamps a timestamp more than 23 hours ahead and says so', async () => {
    const future = new Date(Date.now() + 48 * 3600_000).toISOString();
    const message = track({ timestamp: future });
    await post('/v1/batch', JSON.stringify({ batch: [message] }));
    const stored = await json<StoredEvent>(await getEvent(message.messageId));
    expect(stored.message.timestamp).toBe(stored.receivedAt);
    expect(stored.message.originalTimestamp).toBe(future);
    expect(stored.warnings).toEqual([{ code: 'timestamp_clamped_future', detail: future }]);
  });

  it.each([
    ['a right clock', 0],
    ['a clock 1 h 0 min 17 s behind', -(3600_000 + 17_000)],
    ['a clock 5 min ahead', 5 * 60_000],
  ])(
    'keeps the order of identifies 1 ms apart from %s, whatever each request took in transit',
    async (_name, offsetMs) => {
      const userId = `skew-${offsetMs}-${Date.now()}`;
      const capturedAt = Date.now();
      const device = (ms: number) => new Date(ms + offsetMs).toISOString();
      const identify = (step: number) =>
        track({ type: 'identify', event: undefined, userId, traits: { step }, timestamp: device(capturedAt + step) });
      // The first request looks 60 ms slower than the second (its sentAt is earlier): Segment's correction
      // would move step 0 after step 1.
      await post('/v1/batch', JSON.stringify({ batch: [identify(0)], sentAt: device(Date.now() - 60) }));
      const last = identify(1);
      await post('/v1/batch', JSON.stringify({ batch: [last], sentAt: device(Date.now()) }));

      const profile = await json<Profile>(
        await collector.admin(`/v1/profiles/${encodeURIComponent(`userId:${userId}`)}`),
      );
      expect(profile.traits.step).toBe(1);
      const stored = await json<StoredEvent>(await getEvent(last.messageId));
      expect(stored.message.originalTimestamp).toBe(last.timestamp);
      // A wrong clock is corrected to within half a step of the truth; a right one is kept as sent.
      const error = Math.abs(Date.parse(stored.message.timestamp as string) - (capturedAt + 1));
      expect(error).toBeLessThanOrEqual(offsetMs ? CLOCK_SKEW_STEP_MS / 2 : 0);
    },
  );

  it('stores __proto__ and constructor keys as data, touching no prototype', async () => {
    const message = track();
    const body = JSON.stringify({ batch: [message] }).replace(
      '"properties":{"total":12.5}',
      '"properties":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
    );
    expect(await json(await post('/v1/batch', body))).toMatchObject({ accepted: 1 });
    const raw = await (await getEvent(message.messageId)).text();
    expect(raw).toContain(
      '"properties":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('a mixed batch stores the good messages and reports each bad one', () => {
  it('answers 200 with index, messageId, code and path', async () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 12; i++) {
      cursor.next = {};
      cursor = cursor.next as Record<string, unknown>;
    }
    const good = [track(), track(), track()];
    const bad = [
      { message: track({ event: undefined }), code: 'invalid_field', path: ['event'] },
      { message: track({ anonymousId: undefined }), code: 'missing_identity', path: ['userId'] },
      {
        message: track({
          properties: Object.fromEntries(
            Array.from({ length: 5 }, (_, i) => [`s${i}`, 'x'.repeat(MAX_EVENT_BYTES / 5)]),
          ),
        }),
        code: 'event_too_large',
        path: [],
      },
      { message: track({ properties: { deep } }), code: 'too_deep' },
      {
        message: track({ properties: { note: 'y'.repeat(9000) } }),
        code: 'string_too_long',
        path: ['properties', 'note'],
      },
      {
        message: track({ properties: Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`k${i}`, i])) }),
        code: 'too_many_keys',
        path: ['properties'],
      },
      { message: track({ timestamp: 'yesterday' }), code: 'invalid_field', path: ['timestamp'] },
      { message: track({ type: 'explode' }), code: 'invalid_field', path: ['type'] },
    ];
    const batch = [good[0], ...bad.map((b) => b.message), good[1], 'not an object', good[2]];
    const res = await post('/v1/batch', JSON.stringify({ batch }));
    expect(res.status).toBe(200);
    const body = await json<IngestResponse>(res);
    expect(body.accepted).toBe(3);
    expect(body.rejected.map((r) => r.index)).toEqual([...bad.map((_, i) => i + 1), bad.length + 2]);
    bad.forEach((b, i) => {
      const rejection = body.rejected[i];
      expect(rejection).toMatchObject({ code: b.code, messageId: b.message.messageId });
      if (b.path) expect(rejection?.path).toEqual(b.path);
      expect(rejection?.message).toBeTruthy();
    });
    expect(body.rejected.at(-1)).toMatchObject({ code: 'invalid_field', messageId: null, path: [] });
    expect(body.rejected[3]?.path.slice(0, 3)).toEqual(['properties', 'deep', 'next']);
    for (const message of good) expect(await isStored(message.messageId)).toBe(true);
    for (const b of bad) expect(await isStored(b.message.messageId)).toBe(false);
  });
});

describe('bad requests store nothing', () => {
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['malformed JSON', () => post('/v1/batch', '{"batch": ['), 400, 'invalid_json'],
    ['a body that is not a batch', () => post('/v1/batch', JSON.stringify({ events: [] })), 400, 'invalid_body'],
    ['a single-message body that is not an object', () => post('/v1/track', '[1,2]'), 400, 'invalid_body'],
    [
      'an unknown write key',
      () => post('/v1/batch', '{"batch":[]}', { authorization: basic('nope-nope-nope-nope') }),
      401,
      'unauthorized',
    ],
    ['no key at all', () => post('/v1/batch', '{"batch":[]}', { authorization: '' }), 401, 'unauthorized'],
    ['an admin key', () => post('/v1/batch', '{"batch":[]}', { authorization: basic(ADMIN_KEY) }), 403, 'forbidden'],
    [
      'a body over the limit',
      () => post('/v1/batch', JSON.stringify({ batch: [track({ pad: 'z'.repeat(MAX_BODY_BYTES) })] })),
      413,
      'payload_too_large',
    ],
    [
      'a gzip bomb',
      () =>
        post('/v1/batch', gzipSync(`{"batch":[${' '.repeat(8 * MAX_BODY_BYTES)}]}`), { 'content-encoding': 'gzip' }),
      413,
      'payload_too_large',
    ],
    ['broken gzip', () => post('/v1/batch', 'not gzip', { 'content-encoding': 'gzip' }), 400, 'invalid_body'],
    ['a brotli body', () => post('/v1/batch', 'x', { 'content-encoding': 'br' }), 415, 'unsupported_encoding'],
    [
      'a form body',
      () => post('/v1/batch', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    ],
    [
      'too many messages',
      () => post('/v1/batch', JSON.stringify({ batch: Array.from({ length: 1001 }, () => track()) })),
      413,
      'batch_too_large',
    ],
  ];
  it.each(cases)('%s', async (_name, send, status, code) => {
    const before = await json<Page<StoredEvent>>(await collector.admin('/v1/events?limit=1'));
    await expectError(await send(), status, code);
    const after = await json<Page<StoredEvent>>(await collector.admin('/v1/events?limit=1'));
    expect(after.data[0]?.messageId).toBe(before.data[0]?.messageId);
  });
});

it('answers 429 ingest_overloaded with Retry-After past limits.maxPendingEvents, and stores what it took', async () => {
  const WRITE = 'overload-write-key-0000001';
  const busy = await startTestCollector({
    writeKeys: [WRITE],
    adminKey: 'overload-admin-key-0000001',
    config: { limits: { maxPendingEvents: 5 } },
  });
  // Another connection holds SQLite's write lock: the collector's group waits for it (busy timeout).
  const blocker = new BetterSqlite3(join(busy.dir, 'exhaust.db'));
  try {
    blocker.exec('BEGIN IMMEDIATE');
    const waiting = busy.send('/v1/batch', { batch: Array.from({ length: 5 }, () => track()) });
    // The first request is taken even at the limit; the next one finds 5 events waiting.
    let refused: Response | undefined;
    for (let i = 0; i < 100 && !refused; i += 1) {
      const res = await busy.send('/v1/track', track());
      if (res.status === 429) refused = res;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(((await refused!.json()) as ApiErrorBody).error.code).toBe('ingest_overloaded');
    blocker.exec('COMMIT');
    const taken = await waiting;
    expect(taken.status).toBe(200);
    expect(((await taken.json()) as IngestResponse).accepted).toBe(5);
    // Nothing waits any more: the retry is taken.
    expect((await busy.send('/v1/track', track())).status).toBe(200);
  } finally {
    if (blocker.inTransaction) blocker.exec('ROLLBACK');
    blocker.close();
    await busy.stop();
  }
});

it('tells a curl -d user (form content type) exactly which header to add', async () => {
  // What `curl -u $W: -d '{...}'` sends without -H.
  const res = await post('/v1/track', JSON.stringify(track()), { 'content-type': 'application/x-www-form-urlencoded' });
  const body = await expectError(res, 415, 'unsupported_media_type');
  expect(body.error.message).toBe(
    "content-type application/x-www-form-urlencoded is not accepted; send Content-Type: application/json (curl: -H 'Content-Type: application/json')",
  );
});

it('cuts a streamed (chunked) body at the limit, unread, and answers 413', async () => {
  // No Content-Length: only counting while streaming can stop this body.
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    let answered = false;
    const req = request(
      `${collector.url}/v1/batch`,
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(WEB_KEY) } },
      (r) => {
        answered = true;
        let body = '';
        r.on('data', (d) => {
          body += d;
        });
        r.on('end', () => {
          req.destroy();
          resolve({ status: r.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = 'x'.repeat(64 * 1024);
    // Keep sending until answered: far more than the limit if nobody stops reading.
    const pump = () => {
      while (!answered) if (!req.write(chunk)) return void req.once('drain', pump);
    };
    pump();
  });
  expect(res.status).toBe(413);
  expect(JSON.parse(res.body).error.code).toBe('payload_too_large');
});

describe('CORS per source', () => {
  const preflight = (origin: string) =>
    fetch(`${collector.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('answers a preflight for an origin some source allows', async () => {
    const res = await preflight(SHOP_ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('refuses a preflight for an origin no source allows', async () => {
    const res = await preflight('https://evil.example');
    await expectError(res, 403, 'origin_not_allowed');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an origin send with its own source key, and lets it read errors', async () => {
    const message = track();
    const res = await post('/v1/batch', JSON.stringify({ batch: [message] }), { origin: WEB_ORIGIN });
    expect(res.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    // Without this a browser cannot read a 429's Retry-After on a cross-origin answer.
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(await json(res)).toMatchObject({ accepted: 1 });
    const bad = await post('/v1/batch', '{', { origin: WEB_ORIGIN });
    expect(bad.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
  });

  it("refuses another source's origin with this key and stores nothing", async () => {
    const message = track();
    const res = await post('/v1/batch', JSON.stringify({ batch: [message] }), { origin: SHOP_ORIGIN });
    await expectError(res, 403, 'origin_not_allowed');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await isStored(message.messageId)).toBe(false);
  });
});

describe('admin read API', () => {
  it('refuses a write key (403), a missing or wrong key and any scheme but Bearer (401)', async () => {
    const withKey = (authorization: string) => fetch(`${collector.url}/v1/events`, { headers: { authorization } });
    await expectError(await withKey(`Bearer ${WEB_KEY}`), 403, 'forbidden');
    await expectError(await withKey(basic(WEB_KEY)), 401, 'unauthorized');
    await expectError(await withKey('Bearer wrong-key-wrong-key'), 401, 'unauthorized');
    await expectError(await fetch(`${collector.url}/v1/events`), 401, 'unauthorized');
    await expectError(await fetch(`${collector.url}/v1/events/x`), 401, 'unauthorized');
  });

  it('paginates with filters and a cursor', async () => {
    const event = `Paged ${Date.now()}`;
    const messages = Array.from({ length: 7 }, () => track({ event }));
    await post('/v1/batch', JSON.stringify({ batch: messages }));
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `type=track&event=${encodeURIComponent(event)}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Page<StoredEvent> = await json(await collector.admin(`/v1/events?${query}`));
      seen.push(...page.data.map((e) => e.messageId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(messages.map((m) => m.messageId).reverse());
    const since = await json<Page<StoredEvent>>(
      await collector.admin(`/v1/events?since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`),
    );
    expect(since.data).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['type=click', 'type'],
    ['since=yesterday', 'since'],
    ['cursor=garbage', 'cursor'],
  ])('answers 400 invalid_query for %s', async (query, field) => {
    const body = await expectError(await collector.admin(`/v1/events?${query}`), 400, 'invalid_query');
    expect(body.error.issues?.[0]?.path).toEqual([field]);
  });

  it('answers 404 event_not_found for an unknown messageId', async () => {
    await expectError(await getEvent('never-sent'), 404, 'event_not_found');
  });
});

describe('health and routing', () => {
  it('GET /healthz answers 200 without a key', async () => {
    const res = await fetch(`${collector.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', store: 'sqlite', database: 'up' });
  });

  it('answers route_not_found and method_not_allowed in the error shape', async () => {
    await expectError(await fetch(`${collector.url}/v2/nothing`), 404, 'route_not_found');
    await expectError(await fetch(`${collector.url}/v1/batch`), 405, 'method_not_allowed');
  });
});
