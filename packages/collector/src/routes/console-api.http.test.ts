/**
 * The admin API endpoints the console needs, over real HTTP against a real
 * collector: overview stats, the live stream, settings, profile search,
 * consent history, and what became of an event that is not stored.
 */
import type { CollectorSettings, EventNotFoundBody, OverviewStats, Profile, StreamedEvent } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector, track } from '../test/harness.js';

let collector: TestCollector;
beforeEach(async () => {
  collector = await startTestCollector();
});
afterEach(() => collector.stop());

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
const adminJson = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${collector.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${collector.adminKey}`, ...init.headers },
  });
  return { status: res.status, body: await json<T>(res) };
};

/** Reads server-sent events from a fetch response until `until` says stop. */
async function readSse(res: Response, until: (events: { event: string; data: string; id?: string }[]) => boolean) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: string; id?: string }[] = [];
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      if (field('data') !== undefined) {
        events.push({
          event: field('event') ?? 'message',
          data: field('data')!,
          ...(field('id') ? { id: field('id') } : {}),
        });
      }
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

describe('GET /v1/stats/overview', () => {
  it('counts events per minute, totals, warnings by code, rejections and each source with its last event', async () => {
    const first = track({ userId: 'u-ada' });
    await collector.send('/v1/batch', {
      batch: [first, first, track(), { type: 'track', event: 'x', messageId: 'no-id-1' }],
    });
    const { status, body } = await adminJson<OverviewStats>('/v1/stats/overview');
    expect(status).toBe(200);
    expect(body.eventsPerMinute.lastHour.counts).toHaveLength(60);
    expect(body.eventsPerMinute.lastDay.counts).toHaveLength(1440);
    expect(body.eventsPerMinute.lastHour.counts.at(-1)).toBe(2);
    expect(body.eventsPerMinute.lastDay.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(body.totals).toEqual({ events: 2, profiles: 2, identifiedProfiles: 1, identifiedShare: 0.5 });
    expect(body.warnings).toEqual([{ code: 'duplicate_message_id', count: 1, lastAt: expect.any(String) }]);
    expect(body.rejections).toEqual([
      {
        source: expect.any(String),
        messageId: 'no-id-1',
        code: 'missing_identity',
        path: ['userId'],
        message: 'a message needs userId or anonymousId',
        at: expect.any(String),
      },
    ]);
    expect(body.sources).toHaveLength(1);
    expect(body.sources[0]?.lastEvent).toMatchObject({ type: 'track', receivedAt: expect.any(String) });
  });

  it('needs the admin key', async () => {
    expect((await fetch(`${collector.url}/v1/stats/overview`)).status).toBe(401);
  });
});

describe('GET /v1/stream', () => {
  it('sends events stored after it opened, filtered, each with its cursor as SSE id, and resumes after one', async () => {
    await collector.send('/v1/track', track());
    const controller = new AbortController();
    const res = await fetch(`${collector.url}/v1/stream?type=track&event=Signed%20Up`, {
      headers: { authorization: `Bearer ${collector.adminKey}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const signup = track({ event: 'Signed Up' });
    const sent = (async () => {
      await collector.send('/v1/batch', { batch: [track(), { ...track(), type: 'page' }, signup] });
    })();
    const events = await readSse(res, (got) => got.some((e) => e.event === 'event'));
    await sent;
    controller.abort();
    expect(events[0]?.event).toBe('ready');
    const streamed = JSON.parse(events[1]!.data) as StreamedEvent;
    expect(streamed).toMatchObject({ messageId: signup.messageId, type: 'track', message: { event: 'Signed Up' } });
    expect(events[1]?.id).toBe(streamed.cursor);

    const later = track({ event: 'Signed Up' });
    await collector.send('/v1/track', later);
    const resumed = await fetch(`${collector.url}/v1/stream?event=Signed%20Up`, {
      headers: { authorization: `Bearer ${collector.adminKey}`, 'last-event-id': streamed.cursor },
    });
    const again = await readSse(resumed, (got) => got.some((e) => e.event === 'event'));
    expect(JSON.parse(again.find((e) => e.event === 'event')!.data).messageId).toBe(later.messageId);
  });

  it('answers 400 for a bad cursor or an unknown parameter, 401 without the admin key', async () => {
    const bad = await adminJson<{ error: { code: string } }>('/v1/stream?after=nope');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    const unknown = await adminJson<{ error: { code: string } }>('/v1/stream?kind=x');
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    expect((await fetch(`${collector.url}/v1/stream`)).status).toBe(401);
  });

  it('ends open streams when the collector shuts down, so close() does not wait for them', async () => {
    const res = await fetch(`${collector.url}/v1/stream`, {
      headers: { authorization: `Bearer ${collector.adminKey}` },
    });
    const reading = readSse(res, () => false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closed = collector.close().then(() => 'closed');
    // Shorter than the keep-alive timeout (5 s) that an idle connection left open would hold close() for.
    const grace = new Promise((resolve) => setTimeout(() => resolve('still open'), 2_000));
    expect(await Promise.race([closed, grace])).toBe('closed');
    await reading;
  });
});

describe('GET /v1/settings', () => {
  it('shows the store, sources with key hints only, limits and the identity policy', async () => {
    const { status, body } = await adminJson<CollectorSettings>('/v1/settings');
    expect(status).toBe(200);
    expect(body.store).toEqual({ kind: 'sqlite' });
    expect(body.limits.maxBatchEvents).toBeGreaterThan(0);
    expect(body.identity.contestedMode).toEqual(expect.any(String));
    expect(body.sources[0]?.keys[0]?.hint).toMatch(/…/);
    const text = JSON.stringify(body);
    expect(text).not.toContain(collector.writeKey);
    expect(text).not.toContain(collector.adminKey);
  });
});

describe('GET /v1/profiles?q= and /v1/profiles/{ref}/consent', () => {
  it('finds a profile by email, by a prefix and by trait value; reads its consent history', async () => {
    const identify = {
      type: 'identify',
      messageId: 'consent-1',
      userId: 'u-ada',
      traits: { email: 'ada@example.com', plan: 'enterprise' },
      context: { consent: { categoryPreferences: { ads: false } } },
      timestamp: '2026-11-25T10:00:00.000Z',
    };
    await collector.send('/v1/identify', identify);
    const search = async (q: string) =>
      (await adminJson<{ data: Profile[] }>(`/v1/profiles?q=${encodeURIComponent(q)}`)).body.data.map((p) =>
        p.identifiers.map((i) => i.value),
      );
    expect(await search('ada@example.com')).toEqual([['u-ada', 'ada@example.com']]);
    expect(await search('email:ADA@example.com')).toHaveLength(1);
    expect(await search('ada@')).toHaveLength(1);
    expect(await search('enterprise')).toHaveLength(1);
    expect(await search('grace')).toEqual([]);
    const bad = await adminJson<{ error: { code: string } }>('/v1/profiles?q=x&cursor=abc');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });

    const consent = await adminJson<{ data: unknown[] }>('/v1/profiles/userId:u-ada/consent');
    expect(consent).toEqual({
      status: 200,
      body: { data: [{ category: 'ads', granted: false, at: '2026-11-25T10:00:00.000Z', messageId: 'consent-1' }] },
    });
    expect((await adminJson('/v1/profiles/userId:nobody/consent')).status).toBe(404);
  });
});

describe('GET /v1/events/{messageId} for a message not stored', () => {
  it('says it was suppressed, a duplicate of an erased one, erased, rejected, or unknown, with each decision', async () => {
    const ada = track({ userId: 'u-ada', anonymousId: 'anon-ada' });
    await collector.send('/v1/track', ada);
    await adminJson('/v1/profiles/userId:u-ada?suppress=true', { method: 'DELETE' });
    const erased = await adminJson<EventNotFoundBody>(`/v1/events/${ada.messageId}`);
    expect(erased.status).toBe(404);
    expect(erased.body.error).toMatchObject({ code: 'event_not_found', fate: 'erased', warnings: [], rejections: [] });

    await collector.send('/v1/track', ada);
    const duplicate = await adminJson<EventNotFoundBody>(`/v1/events/${ada.messageId}`);
    expect(duplicate.body.error.fate).toBe('duplicate');
    expect(duplicate.body.error.warnings).toEqual([
      { source: expect.any(String), code: 'duplicate_message_id', detail: null, at: expect.any(String) },
    ]);

    const later = track({ userId: 'u-ada', anonymousId: 'anon-new' });
    await collector.send('/v1/track', later);
    const suppressed = await adminJson<EventNotFoundBody>(`/v1/events/${later.messageId}`);
    expect(suppressed.body.error.fate).toBe('suppressed');
    expect(suppressed.body.error.warnings.map((w) => w.code)).toEqual(['suppressed']);
    expect(JSON.stringify(suppressed.body)).not.toMatch(/u-ada|anon-/);

    await collector.send('/v1/batch', { batch: [{ type: 'track', messageId: 'bad-1', anonymousId: 'a' }] });
    const rejected = await adminJson<EventNotFoundBody>('/v1/events/bad-1');
    expect(rejected.body.error).toMatchObject({
      fate: 'rejected',
      rejections: [{ messageId: 'bad-1', code: 'invalid_field', path: ['event'] }],
    });
    const unknown = await adminJson<EventNotFoundBody>('/v1/events/never-sent');
    expect(unknown.body.error).toMatchObject({ fate: 'unknown', warnings: [], rejections: [] });
  });
});
