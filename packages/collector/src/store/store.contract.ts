/**
 * The Store port's behaviour, written once and run against every
 * implementation (SQLite inline and worker today, PostgreSQL later).
 * Usage, in an implementation's test file:
 * `describeStoreContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import type { Message } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import type { IncomingEvent, NewKey, Store } from './store.js';

/** Opens a fresh, empty store each time it is called. */
export type StoreFactory = () => Promise<Store>;

let counter = 0;

/** A stored key record with a unique id and hash (the store never sees keys). */
function makeKey(name: string, createdAt = '2026-11-25T10:00:00.000Z'): NewKey {
  counter += 1;
  return { id: `key_${name}_${counter}`, hash: `${name}-${counter}`.padEnd(64, '0'), hint: `wk_…${name}`, createdAt };
}

/** An IncomingEvent as the ingest service would build it. */
export function makeIncomingEvent(
  overrides: Omit<Partial<IncomingEvent>, 'message'> & { message?: Record<string, unknown> } = {},
): IncomingEvent {
  counter += 1;
  const messageId = overrides.messageId ?? (overrides.message?.messageId as string | undefined) ?? `m-${counter}`;
  const timestamp = overrides.timestamp ?? '2026-11-25T10:00:00.000Z';
  const message = {
    type: 'track',
    event: 'Order Completed',
    anonymousId: 'anon-1',
    properties: { total: 12.5 },
    ...overrides.message,
    messageId,
    timestamp,
  } as Message;
  return {
    source: 'web',
    receivedAt: '2026-11-25T10:00:01.000Z',
    warnings: [],
    ...overrides,
    messageId,
    timestamp,
    type: message.type,
    message,
  };
}

export function describeStoreContract(name: string, open: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps one set of unsubscribe signing keys: the first fallback, then seeds appended once each', async () => {
      const key = (id: string, minute: number) => ({
        id,
        secret: Buffer.alloc(32, id).toString('base64url'),
        createdAt: new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString(),
      });
      const first = await store.loadSigningKeys({ seed: [], fallback: key('0000000a', 1) });
      expect(first).toEqual([key('0000000a', 1)]);
      // Another collector starting later: its own fallback is not stored, the first key is answered.
      expect(await store.loadSigningKeys({ seed: [], fallback: key('0000000b', 2) })).toEqual(first);
      // A rotated key arrives as a seed; a seed already stored is not stored twice.
      const rotated = await store.loadSigningKeys({
        seed: [key('0000000a', 1), key('0000000c', 3)],
        fallback: key('0000000d', 4),
      });
      expect(rotated.map((k) => k.id)).toEqual(['0000000a', '0000000c']);
    });

    it('stores an event and reads it back as stored, with source and receivedAt', async () => {
      const event = makeIncomingEvent({ message: { properties: { total: 3, nested: { a: [1, 'x'] } } } });
      const [outcome] = await store.ingest([event]);
      expect(outcome).toMatchObject({ status: 'stored', warnings: [] });
      const stored = await store.getEvent(event.messageId);
      expect(stored).toMatchObject({
        messageId: event.messageId,
        type: 'track',
        source: 'web',
        receivedAt: event.receivedAt,
        warnings: [],
      });
      expect(stored?.message).toEqual(event.message);
      expect(await store.getEvent(event.messageId, 'other-source')).toBeNull();
      expect(await store.getEvent('never-sent')).toBeNull();
    });

    it('acknowledges a repeated messageId of the same source without storing it again', async () => {
      const first = makeIncomingEvent({ message: { properties: { v: 1 } } });
      const replay = { ...first, message: { ...first.message, properties: { v: 2 } } } as IncomingEvent;
      expect((await store.ingest([first]))[0]?.status).toBe('stored');
      const outcomes = await store.ingest([replay, replay]);
      expect(outcomes.map((o) => o.status)).toEqual(['duplicate', 'duplicate']);
      expect(outcomes[0]?.warnings).toEqual([{ code: 'duplicate_message_id', detail: null }]);
      const page = await store.listEvents({ limit: 10 });
      expect(page.data).toHaveLength(1);
      expect(page.data[0]?.message.properties).toEqual({ v: 1 });
      // Dedupe is per source: another source may use the same id.
      const other = { ...first, source: 'server' };
      expect((await store.ingest([other]))[0]?.status).toBe('stored');
      expect((await store.getEvent(first.messageId, 'server'))?.source).toBe('server');
    });

    it('dedupes inside one request too', async () => {
      const event = makeIncomingEvent();
      const outcomes = await store.ingest([event, event]);
      expect(outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
    });

    it('keeps the warnings an event arrived with', async () => {
      const event = makeIncomingEvent({
        warnings: [{ code: 'timestamp_clamped_future', detail: '2030-01-01T00:00:00.000Z' }],
      });
      const [outcome] = await store.ingest([event]);
      expect(outcome?.warnings).toEqual(event.warnings);
      expect((await store.getEvent(event.messageId))?.warnings).toEqual(event.warnings);
    });

    it('lists newest first with a cursor that walks every event exactly once', async () => {
      const events = Array.from({ length: 25 }, (_, i) => makeIncomingEvent({ message: { properties: { i } } }));
      await store.ingest(events.slice(0, 10));
      await store.ingest(events.slice(10));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listEvents({ limit: 7, cursor });
        expect(page.data.length).toBeLessThanOrEqual(7);
        seen.push(...page.data.map((e) => e.messageId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(events.map((e) => e.messageId).reverse());
    });

    it('filters by type, event name and timestamp range', async () => {
      await store.ingest([
        makeIncomingEvent({ messageId: 'a', timestamp: '2026-01-01T00:00:00.000Z' }),
        makeIncomingEvent({ messageId: 'b', timestamp: '2026-02-01T00:00:00.000Z', message: { event: 'Signed Up' } }),
        makeIncomingEvent({
          messageId: 'c',
          timestamp: '2026-03-01T00:00:00.000Z',
          message: { type: 'page', name: 'Home' },
        }),
      ]);
      const ids = async (q: Parameters<Store['listEvents']>[0]) =>
        (await store.listEvents(q)).data.map((e) => e.messageId);
      expect(await ids({ limit: 10, type: 'page' })).toEqual(['c']);
      expect(await ids({ limit: 10, type: 'track', event: 'Signed Up' })).toEqual(['b']);
      expect(await ids({ limit: 10, since: '2026-02-01T00:00:00.000Z' })).toEqual(['c', 'b']);
      expect(await ids({ limit: 10, until: '2026-02-01T00:00:00.000Z' })).toEqual(['a']);
    });

    it('filters by userId, anonymousId and source as sent, newest first, with a cursor', async () => {
      await store.ingest([
        makeIncomingEvent({ messageId: 'u1-a', message: { userId: 'u-1', anonymousId: 'a-1' } }),
        makeIncomingEvent({ messageId: 'a2', message: { anonymousId: 'a-2' } }),
        makeIncomingEvent({ messageId: 'u1-b', source: 'server', message: { userId: 'u-1', anonymousId: null } }),
        makeIncomingEvent({ messageId: 'u2', source: 'server', message: { userId: 'u-2', anonymousId: 'a-1' } }),
        makeIncomingEvent({ messageId: 'u1-c', message: { userId: 'u-1', anonymousId: 'a-1', type: 'page' } }),
      ]);
      const ids = async (q: Omit<Parameters<Store['listEvents']>[0], 'limit'>, limit = 10) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.listEvents({ ...q, limit, cursor });
          expect(page.data.length).toBeLessThanOrEqual(limit);
          seen.push(...page.data.map((e) => e.messageId));
          cursor = page.nextCursor;
        } while (cursor);
        return seen;
      };
      expect(await ids({ userId: 'u-1' })).toEqual(['u1-c', 'u1-b', 'u1-a']);
      expect(await ids({ userId: 'u-1' }, 1)).toEqual(['u1-c', 'u1-b', 'u1-a']);
      expect(await ids({ anonymousId: 'a-1' })).toEqual(['u1-c', 'u2', 'u1-a']);
      expect(await ids({ source: 'server' })).toEqual(['u2', 'u1-b']);
      expect(await ids({ source: 'server', userId: 'u-1' })).toEqual(['u1-b']);
      expect(await ids({ userId: 'u-1', anonymousId: 'a-1', type: 'track' })).toEqual(['u1-a']);
      expect(await ids({ userId: ' u-1' })).toEqual([]);
      expect(await ids({ source: 'nowhere' })).toEqual([]);
    });

    it('filters by property equality with JSON-typed values, and pages through every match once', async () => {
      const properties = [
        { plan: 'pro', seats: 12 },
        { plan: 'free', seats: '12' },
        { plan: 'pro', seats: 12.5, vip: true },
        { plan: 'pro', vip: 1, address: { city: 'Lyon' } },
        { plan: null, vip: false },
        { plan: 'pro' },
      ];
      await store.ingest(
        properties.map((p, i) => makeIncomingEvent({ messageId: `p${i}`, message: { properties: p } })),
      );
      const ids = async (filter: Record<string, string | number | boolean | null>, limit = 10) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.listEvents({ limit, cursor, properties: filter });
          seen.push(...page.data.map((e) => e.messageId));
          cursor = page.nextCursor;
        } while (cursor);
        return seen;
      };
      expect(await ids({ plan: 'pro' })).toEqual(['p5', 'p3', 'p2', 'p0']);
      expect(await ids({ plan: 'pro' }, 1)).toEqual(['p5', 'p3', 'p2', 'p0']);
      expect(await ids({ seats: 12 })).toEqual(['p0']);
      expect(await ids({ seats: '12' })).toEqual(['p1']);
      expect(await ids({ vip: true })).toEqual(['p2']);
      expect(await ids({ vip: 1 })).toEqual(['p3']);
      expect(await ids({ vip: false })).toEqual(['p4']);
      expect(await ids({ plan: null })).toEqual(['p4']);
      expect(await ids({ 'address.city': 'Lyon' })).toEqual(['p3']);
      expect(await ids({ plan: 'pro', seats: 12.5 })).toEqual(['p2']);
      expect(await ids({ missing: 'x' })).toEqual([]);
    });

    it('refuses a cursor it did not issue with a typed error', async () => {
      await expect(store.listEvents({ limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        name: 'StoreError',
        code: 'invalid_cursor',
      });
      await expect(store.listEvents({ limit: 5, cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(StoreError);
    });

    it('stores __proto__ and constructor keys as plain data', async () => {
      const message = JSON.parse(
        '{"type":"track","event":"x","anonymousId":"a","properties":{"__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}}}}',
      );
      const event = makeIncomingEvent({ message });
      await store.ingest([event]);
      const stored = await store.getEvent(event.messageId);
      const properties = stored?.message.properties as Record<string, unknown>;
      expect(Object.keys(properties)).toEqual(['__proto__', 'constructor']);
      expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('answers many concurrent requests, each with its own outcomes, all stored', async () => {
      const requests = Array.from({ length: 40 }, (_, r) =>
        Array.from({ length: 5 }, (_, i) => makeIncomingEvent({ messageId: `c-${r}-${i}` })),
      );
      const outcomes = await Promise.all(requests.map((events) => store.ingest(events)));
      expect(outcomes.flat().every((o) => o.status === 'stored')).toBe(true);
      const all = await store.listEvents({ limit: 1000 });
      expect(all.data).toHaveLength(200);
    });

    it('seeds config sources and keys, and a snapshot names every active key by hash', async () => {
      const web = makeKey('web');
      const admin = makeKey('admin');
      await store.seedAccess({
        at: '2026-11-25T10:00:00.000Z',
        sources: [{ id: 'web', name: 'web', allowedOrigins: ['https://a.example'], writeKeys: [web] }],
        adminKeys: [admin],
      });
      const snapshot = await store.getAccessSnapshot(null);
      expect(snapshot?.sources).toEqual([
        { id: 'web', name: 'web', allowedOrigins: ['https://a.example'], enabled: true },
      ]);
      expect(snapshot?.keys).toEqual(
        expect.arrayContaining([
          { hash: web.hash, owner: { kind: 'write', sourceId: 'web' } },
          { hash: admin.hash, owner: { kind: 'admin' } },
        ]),
      );
      expect(snapshot?.keys).toHaveLength(2);
      // Unchanged since that version: nothing to reload.
      expect(await store.getAccessSnapshot(snapshot!.version)).toBeNull();
      expect(await store.getSource('web')).toMatchObject({
        id: 'web',
        fromConfig: true,
        enabled: true,
        keys: [{ id: web.id, hint: web.hint, fromConfig: true, revokedAt: null, createdAt: web.createdAt }],
      });
      expect(await store.listAdminKeys()).toEqual([
        { id: admin.id, hint: admin.hint, fromConfig: true, createdAt: admin.createdAt, revokedAt: null },
      ]);
    });

    it('re-seeding applies the file: name and origins, removed config keys are revoked, revoked stay revoked', async () => {
      const [one, two, admin, extra] = [makeKey('one'), makeKey('two'), makeKey('admin'), makeKey('extra')];
      const at = '2026-11-25T10:00:00.000Z';
      await store.seedAccess({
        at,
        sources: [{ id: 'web', name: 'web', allowedOrigins: ['*'], writeKeys: [one, two] }],
        adminKeys: [admin],
      });
      // Through the API: disable the source, revoke key one, add a key and an admin key.
      await store.updateSource('web', { name: 'Web shop', enabled: false }, at);
      await store.revokeKey({ kind: 'write', sourceId: 'web' }, one.id, at);
      const apiKey = makeKey('api');
      await store.addKey({ kind: 'write', sourceId: 'web' }, apiKey);
      await store.addKey({ kind: 'admin' }, extra);

      // Next start: the file still lists key one, no longer key two, and new origins.
      const later = '2026-11-26T10:00:00.000Z';
      await store.seedAccess({
        at: later,
        sources: [
          { id: 'web', name: 'web', allowedOrigins: ['https://b.example'], writeKeys: [one] },
          { id: 'server', name: 'server', allowedOrigins: [], writeKeys: [makeKey('server')] },
        ],
        adminKeys: [admin],
      });
      const web = await store.getSource('web');
      expect(web).toMatchObject({
        name: 'web',
        allowedOrigins: ['https://b.example'],
        enabled: false,
        updatedAt: later,
      });
      const revokedAt = Object.fromEntries(web!.keys.map((k) => [k.id, k.revokedAt]));
      expect(revokedAt).toEqual({ [one.id]: at, [two.id]: later, [apiKey.id]: null });
      expect((await store.listSources()).map((s) => s.id)).toEqual(['web', 'server']);
      const hashes = (await store.getAccessSnapshot(null))!.keys.map((k) => k.hash);
      expect(hashes).not.toContain(one.hash);
      expect(hashes).not.toContain(two.hash);
      expect(hashes).toEqual(expect.arrayContaining([apiKey.hash, admin.hash, extra.hash]));
    });

    it('creates, reads and updates sources; names are unique; unknown ids answer null', async () => {
      const at = '2026-11-25T10:00:00.000Z';
      const before = (await store.getAccessSnapshot(null))!.version;
      const created = await store.createSource({
        id: 'src_1',
        name: 'shop',
        allowedOrigins: ['https://shop.example'],
        enabled: true,
        createdAt: at,
      });
      expect(created).toEqual({
        id: 'src_1',
        name: 'shop',
        allowedOrigins: ['https://shop.example'],
        enabled: true,
        fromConfig: false,
        createdAt: at,
        updatedAt: at,
        keys: [],
      });
      expect((await store.getAccessSnapshot(before))?.sources).toHaveLength(1);
      expect(
        await store.createSource({ id: 'src_2', name: 'shop', allowedOrigins: [], enabled: true, createdAt: at }),
      ).toBe('name_taken');
      await store.createSource({ id: 'src_3', name: 'app', allowedOrigins: [], enabled: true, createdAt: at });
      expect(await store.updateSource('src_3', { name: 'shop' }, at)).toBe('name_taken');
      const later = '2026-11-25T11:00:00.000Z';
      expect(await store.updateSource('src_1', { name: 'shop', enabled: false }, later)).toMatchObject({
        name: 'shop',
        allowedOrigins: ['https://shop.example'],
        enabled: false,
        updatedAt: later,
      });
      expect(await store.updateSource('nope', { enabled: true }, at)).toBeNull();
      expect(await store.getSource('nope')).toBeNull();
      expect((await store.listSources()).map((s) => s.name)).toEqual(['shop', 'app']);
    });

    it('adds and revokes keys per owner; revoking twice keeps the first time; never the last admin key', async () => {
      const at = '2026-11-25T10:00:00.000Z';
      await store.createSource({ id: 'src_1', name: 'shop', allowedOrigins: [], enabled: true, createdAt: at });
      const write = makeKey('w');
      expect(await store.addKey({ kind: 'write', sourceId: 'nope' }, write)).toBeNull();
      expect(await store.addKey({ kind: 'write', sourceId: 'src_1' }, write)).toEqual({
        id: write.id,
        hint: write.hint,
        fromConfig: false,
        createdAt: write.createdAt,
        revokedAt: null,
      });
      const version = (await store.getAccessSnapshot(null))!.version;
      // The key belongs to src_1 only, and is not an admin key.
      expect(await store.revokeKey({ kind: 'admin' }, write.id, at)).toBeNull();
      expect(await store.revokeKey({ kind: 'write', sourceId: 'other' }, write.id, at)).toBeNull();
      expect(await store.revokeKey({ kind: 'write', sourceId: 'src_1' }, 'key_nope', at)).toBeNull();
      expect(await store.getAccessSnapshot(version)).toBeNull();
      expect(await store.revokeKey({ kind: 'write', sourceId: 'src_1' }, write.id, at)).toMatchObject({
        revokedAt: at,
      });
      expect(
        await store.revokeKey({ kind: 'write', sourceId: 'src_1' }, write.id, '2026-11-25T12:00:00.000Z'),
      ).toMatchObject({ revokedAt: at });
      expect((await store.getAccessSnapshot(version))?.keys).toEqual([]);

      const [a, b] = [makeKey('a'), makeKey('b')];
      await store.addKey({ kind: 'admin' }, a);
      await store.addKey({ kind: 'admin' }, b);
      expect(await store.revokeKey({ kind: 'admin' }, a.id, at)).toMatchObject({ id: a.id, revokedAt: at });
      expect(await store.revokeKey({ kind: 'admin' }, b.id, at)).toBe('last_admin_key');
      expect((await store.listAdminKeys()).map((k) => [k.id, k.revokedAt])).toEqual([
        [a.id, at],
        [b.id, null],
      ]);
    });

    it('applies retention: older events go, newer ones, the profile and the dedupe record stay', async () => {
      const user = { userId: 'u-retention', anonymousId: 'anon-retention' };
      const old = [
        makeIncomingEvent({
          messageId: 'ret-identify',
          timestamp: '2024-01-10T00:00:00.000Z',
          message: { type: 'identify', ...user, traits: { plan: 'pro' } },
        }),
        makeIncomingEvent({ messageId: 'ret-jan', timestamp: '2024-01-20T00:00:00.000Z', message: user }),
        makeIncomingEvent({ messageId: 'ret-march', timestamp: '2024-03-31T23:59:59.999Z', message: user }),
      ];
      const kept = makeIncomingEvent({ messageId: 'ret-kept', timestamp: '2024-05-02T00:00:00.000Z', message: user });
      await store.ingest([...old, kept]);

      const pass = await store.applyRetention({ before: '2024-04-01T00:00:00.000Z' });
      expect(pass.events).toBe(3);
      for (const event of old) expect(await store.getEvent(event.messageId)).toBeNull();
      expect((await store.getEvent('ret-kept'))?.messageId).toBe('ret-kept');
      const listed = await store.listEvents({ limit: 10 });
      expect(listed.data.map((e) => e.messageId)).toEqual(['ret-kept']);

      // The golden record stays: identifiers and traits; the timeline starts at the oldest kept event.
      const profile = await store.getProfile({ type: 'userId', value: 'u-retention' });
      expect(profile).toMatchObject({ traits: { plan: 'pro' }, eventCount: 1, firstSeen: '2024-05-02T00:00:00.000Z' });
      const timeline = await store.listProfileEvents({ type: 'anonymousId', value: 'anon-retention' }, { limit: 10 });
      expect(timeline?.data.map((e) => e.messageId)).toEqual(['ret-kept']);
      // A replay of a removed message is still a duplicate: it does not come back.
      expect(await store.ingest([old[1]!])).toMatchObject([{ status: 'duplicate' }]);
      expect(await store.getEvent('ret-jan')).toBeNull();

      expect((await store.applyRetention({ before: '2024-04-01T00:00:00.000Z' })).events).toBe(0);
      // New events after a pass are stored as usual, in removed months too (a late event).
      const late = makeIncomingEvent({ messageId: 'ret-late', timestamp: '2024-01-15T00:00:00.000Z', message: user });
      expect(await store.ingest([late])).toMatchObject([{ status: 'stored', profileId: profile?.id }]);
      expect((await store.getEvent('ret-late'))?.messageId).toBe('ret-late');
    });

    it('answers ping, and close is idempotent and final', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await store.close();
      await expect(store.ping()).rejects.toMatchObject({ code: 'store_closed' });
      store = await open();
    });
  });
}
