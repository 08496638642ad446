/**
 * The Node client against a real collector over loopback (worker-thread
 * SQLite in a temp folder): concurrency, an outage, every call type,
 * rejected events, refused calls and configuration errors.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { ConfigError } from '@exhaust/core';
import { MAX_STRING_LENGTH, type Message, type Profile } from '@exhaust/schema';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type NodeClient } from './client.js';
import { CallError } from './errors.js';
import { NODE_MAX_IN_FLIGHT_BATCHES, type NodeClientOptions } from './options.js';
import { freePort, startTestCollector, storedEvents, type TestCollector, tempDir, waitFor } from './test/harness.js';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector.stop();
});

const clients: NodeClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.shutdown();
});

function client(options: Partial<NodeClientOptions> = {}) {
  const created = createClient({
    writeKey: collector.writeKey,
    host: collector.url,
    backoff: { baseMs: 20, maxMs: 200 },
    ...options,
  });
  clients.push(created);
  const seen = { errors: [] as unknown[], drops: [] as { messages: Message[]; reason: string }[], sent: new Map() };
  created.on('error', (error) => seen.errors.push(error));
  created.on('drop', (messages, reason) => seen.drops.push({ messages, reason }));
  created.on('sent', (messages) => {
    for (const message of messages) seen.sent.set(message.messageId, (seen.sent.get(message.messageId) ?? 0) + 1);
  });
  return { client: created, seen };
}

describe('createClient', { timeout: 90_000 }, () => {
  it('throws ConfigError at construction for bad options', () => {
    const good = { writeKey: 'wk', host: 'http://127.0.0.1:8787' };
    const bad: unknown[] = [
      undefined,
      { host: good.host },
      { ...good, writeKey: '  ' },
      { ...good, host: 'localhost:8787' },
      { ...good, host: 'ftp://example.com' },
      { ...good, flushAt: 0 },
      { ...good, flushIntervalMs: 1.5 },
      { ...good, maxBatchEvents: 5000 },
      { ...good, buffer: { dir: '' } },
      { ...good, buffer: { dir: '/tmp/x', maxBytes: -1 } },
    ];
    for (const options of bad) {
      expect(() => createClient(options as NodeClientOptions), JSON.stringify(options)).toThrow(ConfigError);
    }
  });

  it('reports a call that names nobody through on(error), never throws, and sends the valid ones', async () => {
    const { client: exhaust, seen } = client();
    const call = exhaust.track as (params: unknown) => string | null;
    expect(call({ event: 'Nobody' })).toBeNull();
    expect(call({ userId: '', anonymousId: '  ', event: 'Blank' })).toBeNull();
    expect(call(undefined)).toBeNull();
    expect(call({ userId: 'u-1' })).toBeNull();
    expect(exhaust.alias({ userId: 'u-1' } as never)).toBeNull();
    const id = exhaust.track({ userId: 'refused-calls-user', event: 'Refused Calls Ok' });
    await exhaust.flush();

    expect(seen.errors.map((error) => (error as CallError).code)).toEqual([
      'missing_identity',
      'missing_identity',
      'invalid_field',
      'invalid_field',
      'invalid_field',
    ]);
    expect(seen.errors.every((error) => error instanceof CallError)).toBe(true);
    expect((await storedEvents(collector, 'Refused Calls Ok')).map((e) => e.messageId)).toEqual([id]);
  });

  it('sends every call type with its fields, on the profile of the ids it names', async () => {
    const { client: exhaust, seen } = client();
    const at = new Date('2026-01-02T03:04:05.000Z');
    const ids = [
      exhaust.identify({ userId: 'calls-user', anonymousId: 'calls-anon', traits: { plan: 'pro' } }),
      exhaust.track({ userId: 'calls-user', event: 'Calls Tested', properties: { n: 1 }, timestamp: at }),
      exhaust.page({ anonymousId: 'calls-anon', name: 'Pricing', category: 'Docs', properties: { path: '/p' } }),
      exhaust.screen({ userId: 'calls-user', name: 'Home' }),
      exhaust.group({ userId: 'calls-user', groupId: 'acme', traits: { seats: 5 } }),
      exhaust.alias({ userId: 'calls-user', previousId: 'calls-anon' }),
    ];
    await exhaust.flush();
    expect(seen.errors).toEqual([]);
    expect(exhaust.pending()).toBe(0);

    const stored = new Map((await storedEvents(collector)).map((event) => [event.messageId, event]));
    const [identify, track, page, screen, group, alias] = ids.map((id) => stored.get(id!));
    expect(identify?.message).toMatchObject({ type: 'identify', userId: 'calls-user', traits: { plan: 'pro' } });
    expect(track?.message).toMatchObject({ type: 'track', event: 'Calls Tested', properties: { n: 1 } });
    expect(track?.message.originalTimestamp).toBe(at.toISOString());
    expect(track?.message.context?.library).toEqual({ name: '@exhaust/node', version: '0.1.0' });
    expect(page?.message).toMatchObject({ type: 'page', name: 'Pricing', category: 'Docs' });
    expect(screen?.message).toMatchObject({ type: 'screen', name: 'Home' });
    expect(group?.message).toMatchObject({ type: 'group', groupId: 'acme', traits: { seats: 5 } });
    expect(alias?.message).toMatchObject({ type: 'alias', userId: 'calls-user', previousId: 'calls-anon' });
    // identify stitched the anonymous id to the user: every event is on one profile.
    expect(new Set([identify, track, page, screen].map((event) => event?.profileId)).size).toBe(1);
  });

  it('delivers 10,000 events from 20 concurrent async callers exactly once', async () => {
    const { client: exhaust, seen } = client({ gzip: true });
    const CALLERS = 20;
    const PER_CALLER = 500;
    const captured: string[] = [];
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let i = 0; i < PER_CALLER; i++) {
          const id = exhaust.track({
            userId: `load-user-${caller}`,
            event: 'Load Tested',
            properties: { caller, i },
          });
          captured.push(id!);
          // Like request handlers: yield between calls, and some await a flush (serverless style).
          if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
          if (caller % 5 === 0 && i % 100 === 99) await exhaust.flush();
        }
      }),
    );
    await exhaust.flush();

    expect(seen.errors).toEqual([]);
    expect(seen.drops).toEqual([]);
    expect(exhaust.pending()).toBe(0);
    expect(new Set(captured).size).toBe(CALLERS * PER_CALLER);
    // Acknowledged once each by the SDK...
    expect(seen.sent.size).toBe(CALLERS * PER_CALLER);
    expect([...seen.sent.values()].every((count) => count === 1)).toBe(true);
    // ...and stored once each by the collector.
    const stored = await storedEvents(collector, 'Load Tested');
    expect(stored).toHaveLength(CALLERS * PER_CALLER);
    expect(new Set(stored.map((event) => event.messageId))).toEqual(new Set(captured));
  });

  it('drops an event the collector rejects, reports it, and delivers the rest of its batch', async () => {
    const { client: exhaust, seen } = client();
    const good = exhaust.track({ userId: 'reject-user', event: 'Reject Neighbour' });
    const bad = exhaust.track({
      userId: 'reject-user',
      event: 'Reject Neighbour',
      properties: { note: 'x'.repeat(MAX_STRING_LENGTH + 1) },
    });
    await exhaust.flush();

    expect(seen.drops).toEqual([{ messages: [expect.objectContaining({ messageId: bad })], reason: 'rejected' }]);
    expect((await storedEvents(collector, 'Reject Neighbour')).map((e) => e.messageId)).toEqual([good]);
    expect(exhaust.pending()).toBe(0);
  });

  it('loses nothing while the collector is down, then delivers once it is back on the same port and db', async () => {
    const port = await freePort();
    const first = await startTestCollector({ port });
    const db = first.db;
    const { client: exhaust, seen } = client({
      host: first.url,
      writeKey: first.writeKey,
      flushIntervalMs: 50,
      flushAt: 10,
    });
    const captured: string[] = [];
    const trackSome = (n: number) => {
      for (let i = 0; i < n; i++) captured.push(exhaust.track({ userId: 'outage-user', event: 'Outage Tested' })!);
    };
    trackSome(100);
    await exhaust.flush();
    expect(exhaust.pending()).toBe(0);

    await first.close();
    trackSome(300);
    // A flush during the outage gives up after its retries and leaves everything queued.
    await exhaust.flush();
    expect(exhaust.pending()).toBe(300);
    await waitFor(() => seen.errors.length >= 2, 'failed attempts during the outage');
    trackSome(200);

    const second = await startTestCollector({ port, db });
    try {
      // No flush() here: the client's own retry loop must find the collector again.
      const stored = await waitFor(async () => {
        const events = await storedEvents(second, 'Outage Tested');
        return events.length >= captured.length && events;
      }, 'every event after the outage');
      expect(stored).toHaveLength(600);
      expect(new Set(stored.map((event) => event.messageId))).toEqual(new Set(captured));
      expect(seen.drops).toEqual([]);
      await waitFor(() => exhaust.pending() === 0, 'the client to see every acknowledgement');
      expect(seen.errors.every((error) => (error as { code?: string }).code === 'network_error')).toBe(true);
    } finally {
      await exhaust.shutdown();
      await second.stop();
      rmSync(dirname(db), { recursive: true, force: true });
    }
  });

  it('falls back to memory when its buffer folder is held by another live client, says so, and still delivers', async () => {
    const dir = tempDir('exhaust-node-held-');
    try {
      const { client: owner } = client({ buffer: { dir: dir.path } });
      expect(owner.track({ userId: 'held-user', event: 'Held Folder' })).toBeTruthy();
      await owner.flush();
      const { client: second, seen } = client({ buffer: { dir: dir.path } });
      const id = second.track({ userId: 'held-user', event: 'Held Folder' });
      await second.flush();
      expect(seen.errors).toContainEqual(expect.objectContaining({ code: 'storage_failed' }));
      expect(second.pending()).toBe(0);
      expect((await storedEvents(collector, 'Held Folder')).map((e) => e.messageId)).toContain(id);
    } finally {
      for (const each of clients.splice(0)) await each.shutdown();
      dir.remove();
    }
  });

  it('bounds the disk buffer during an outage: the oldest are dropped and reported as queue_full', async () => {
    const dir = tempDir('exhaust-node-bound-');
    try {
      const recordBytes = 600;
      const { client: exhaust, seen } = client({
        host: `http://127.0.0.1:${await freePort()}`,
        buffer: { dir: dir.path, maxBytes: recordBytes * 10 },
        flushRetries: 1,
      });
      const captured = Array.from(
        { length: 50 },
        (_, i) => exhaust.track({ userId: 'bound-user', event: 'Bounded', properties: { i, pad: 'z'.repeat(200) } })!,
      );
      await exhaust.flush();
      const stats = exhaust.bufferStats()!;
      expect(stats.bytes).toBeLessThanOrEqual(recordBytes * 10);
      const droppedIds = seen.drops.flatMap((drop) => drop.messages.map((m) => m.messageId));
      expect(seen.drops.every((drop) => drop.reason === 'queue_full')).toBe(true);
      expect(droppedIds.length).toBe(stats.dropped);
      expect(stats.dropped).toBeGreaterThanOrEqual(40);
      expect(stats.dropped + stats.events).toBe(50);
      // The queue forgot the evicted events too: only what is buffered still waits.
      expect(exhaust.pending()).toBe(stats.events);
      // Oldest first: what was dropped was captured before everything that stayed.
      expect(droppedIds).toEqual(captured.slice(0, droppedIds.length));
    } finally {
      for (const each of clients.splice(0)) await each.shutdown();
      dir.remove();
    }
  });

  it('waits as long as a 429 Retry-After asks before retrying, in the background and in flush(), then delivers', async () => {
    const arrivals: number[] = [];
    // A proxy in front of the collector that turns the first request away.
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', async () => {
        arrivals.push(Date.now());
        if (arrivals.length === 1) {
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'internal_error', message: 'slow down' } }));
          return;
        }
        const forwarded = await fetch(`${collector.url}${req.url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
          body: Buffer.concat(chunks),
        });
        res.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(await forwarded.text());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { client: exhaust, seen } = client({
        host: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        backoff: { baseMs: 10, maxMs: 20 },
      });
      const id = exhaust.track({ userId: 'retry-after-user', event: 'Retry After Tested' });
      // The background loop meets the 429; an explicit flush() right after it must respect the pause too.
      await waitFor(() => arrivals.length === 1, 'the first request');
      await exhaust.flush();
      await waitFor(async () => (await storedEvents(collector, 'Retry After Tested')).length > 0, 'the retried event');
      expect(arrivals.length).toBeGreaterThanOrEqual(2);
      // Without the header the backoff would have retried within 20 ms.
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(990);
      expect(seen.errors).toContainEqual(expect.objectContaining({ status: 429, retryAfterMs: 1000 }));
      expect((await storedEvents(collector, 'Retry After Tested')).map((e) => e.messageId)).toEqual([id]);
    } finally {
      for (const each of clients.splice(0)) await each.shutdown();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("never speaks for the person's consent: server events leave the profile's consent as the browser set it", async () => {
    const browser = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${collector.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        batch: [
          {
            type: 'identify',
            userId: 'consent-user',
            timestamp: new Date(Date.now() - 60_000).toISOString(),
            context: { consent: { categoryPreferences: { necessary: true, analytics: true, marketing: false } } },
          },
        ],
      }),
    });
    expect(browser.status).toBe(200);
    const { client: exhaust } = client();
    const id = exhaust.track({ userId: 'consent-user', event: 'Consent Untouched' });
    await exhaust.flush();

    const [stored] = await storedEvents(collector, 'Consent Untouched');
    expect(stored?.messageId).toBe(id);
    expect(stored?.message.context?.consent).toBeUndefined();
    const res = await fetch(`${collector.url}/v1/profiles/${encodeURIComponent('userId:consent-user')}`, {
      headers: { authorization: `Bearer ${collector.adminKey}` },
    });
    const profile = (await res.json()) as Profile;
    expect(profile.consent.marketing?.granted).toBe(false);
    expect(profile.consent.analytics?.granted).toBe(true);
  });

  it("relays a visitor's consent passed in context.consent as it is, onto the profile", async () => {
    const { client: exhaust } = client();
    const stated = { categoryPreferences: { necessary: true, analytics: true, marketing: false } };
    const id = exhaust.track({ userId: 'relay-user', event: 'Consent Relayed', context: { consent: stated } });
    await exhaust.flush();

    const [stored] = await storedEvents(collector, 'Consent Relayed');
    expect(stored?.messageId).toBe(id);
    expect(stored?.message.context?.consent).toEqual(stated);
    const res = await fetch(`${collector.url}/v1/profiles/${encodeURIComponent('userId:relay-user')}`, {
      headers: { authorization: `Bearer ${collector.adminKey}` },
    });
    const profile = (await res.json()) as Profile;
    expect(profile.consent.marketing?.granted).toBe(false);
    expect(profile.consent.analytics?.granted).toBe(true);
  });

  it('sends on its own when flushAt events wait, and on the interval otherwise; splits batches by bytes', async () => {
    const HOUR_MS = 3_600_000;
    const byCount = client({ flushAt: 5, flushIntervalMs: HOUR_MS });
    // A flush first, so the start-up pass is over and only the trigger under test can send.
    await byCount.client.flush();
    const counted = Array.from({ length: 5 }, () => byCount.client.track({ userId: 'auto-user', event: 'By Count' }));
    await waitFor(() => byCount.seen.sent.size === 5, 'a send triggered by flushAt');
    expect([...byCount.seen.sent.keys()].sort()).toEqual([...counted].sort());

    const byInterval = client({ flushAt: 1000, flushIntervalMs: 50 });
    await byInterval.client.flush();
    const timed = byInterval.client.track({ userId: 'auto-user', event: 'By Interval' });
    await waitFor(() => byInterval.seen.sent.has(timed), 'a send triggered by the interval');

    const batches: number[] = [];
    const byBytes = client({ maxBatchBytes: 4096, flushAt: 1000, flushIntervalMs: HOUR_MS });
    byBytes.client.on('sent', (messages) => batches.push(messages.length));
    for (let i = 0; i < 20; i++)
      byBytes.client.track({ userId: 'auto-user', event: 'By Bytes', properties: { pad: 'b'.repeat(500) } });
    await byBytes.client.flush();
    expect(batches.reduce((sum, n) => sum + n, 0)).toBe(20);
    // ~560 bytes per event under a 4 KiB budget: several requests, none over the budget.
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...batches)).toBeLessThanOrEqual(7);
    expect(await storedEvents(collector, 'By Bytes')).toHaveLength(20);
  });

  it('keeps NODE_MAX_IN_FLIGHT_BATCHES requests in flight and still stores each event once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const held: (() => void)[] = [];
    // A proxy that holds requests until four are in flight at once, then lets them all through.
    const proxy = createServer((req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        held.push(async () => {
          const forwarded = await fetch(`${collector.url}${req.url}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
            body: Buffer.concat(chunks),
          });
          const text = await forwarded.text();
          inFlight--;
          res.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(text);
        });
        if (held.length === NODE_MAX_IN_FLIGHT_BATCHES) for (const release of held.splice(0)) release();
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { client: exhaust, seen } = client({
        host: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        maxBatchEvents: 100,
      });
      // 20 batches of 100: five rounds of four requests.
      const ids = Array.from({ length: 2000 }, (_, i) =>
        exhaust.track({ userId: `in-flight-${i % 7}`, event: 'In Flight Tested', properties: { i } }),
      );
      await exhaust.flush();
      expect(seen.errors).toEqual([]);
      expect(maxInFlight).toBe(NODE_MAX_IN_FLIGHT_BATCHES);
      const stored = await storedEvents(collector, 'In Flight Tested');
      expect(stored).toHaveLength(2000);
      expect(new Set(stored.map((event) => event.messageId))).toEqual(new Set(ids));
    } finally {
      for (const each of clients.splice(0)) await each.shutdown();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('drops events after maxAttempts failed sends, as retries_exhausted', async () => {
    const { client: exhaust, seen } = client({ host: `http://127.0.0.1:${await freePort()}`, maxAttempts: 2 });
    const id = exhaust.track({ userId: 'attempts-user', event: 'Attempts Exhausted' });
    await exhaust.flush();
    expect(seen.drops).toEqual([
      { messages: [expect.objectContaining({ messageId: id })], reason: 'retries_exhausted' },
    ]);
    expect(exhaust.pending()).toBe(0);
  });
});
