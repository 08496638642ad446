/**
 * The subscription API over real HTTP on a real SQLite file: statuses and
 * their history, topic precedence and modes, conflicts, Segment's
 * `messaging_subscriptions` from @segment/analytics-node, one-click links,
 * merges, erasure, bulk checks, CSV round trips and sender keys.
 */
import type {
  ApiErrorBody,
  CreatedKey,
  Profile,
  StoredEvent,
  SubscriptionCheckResult,
  SubscriptionImportResult,
  SubscriptionLink,
  SubscriptionRecord,
  SubscriptionUpdateResult,
} from '@exhaust/schema';
import { MAX_SUBSCRIPTION_CHECK_ADDRESSES } from '@exhaust/schema';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../test/harness.js';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({
    config: {
      subscriptions: {
        topics: {
          email: [
            { key: 'newsletter', mode: 'opt-in' },
            { key: 'offers', mode: 'opt-out' },
          ],
        },
      },
    },
  });
});
afterAll(async () => {
  await collector.stop();
});

let counter = 0;
/** A fresh address per test, so tests sharing the collector never see each other's rows. */
const fresh = (name = 'ada') => `${name}.${process.pid}.${++counter}@example.org`;
const minute = (m: number) => new Date(Date.UTC(2026, 0, 10, 9, m)).toISOString();
const adminHeaders = () => ({ authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' });

async function call<T>(method: string, path: string, body?: unknown, headers = adminHeaders()): Promise<T> {
  const response = await fetch(`${collector.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}
const put = (channel: string, address: string, body: unknown) =>
  call<SubscriptionUpdateResult>('PUT', `/v1/subscriptions/${channel}/${encodeURIComponent(address)}`, body);
const record = (channel: string, address: string) =>
  call<SubscriptionRecord>('GET', `/v1/subscriptions/${channel}/${encodeURIComponent(address)}`);
const check = (address: string, topic?: string, channel = 'email') =>
  call<SubscriptionCheckResult>(
    'GET',
    `/v1/subscriptions/check?${new URLSearchParams({ channel, address, ...(topic ? { topic } : {}) })}`,
  );
const identify = (userId: string, traits: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  collector.send('/v1/identify', {
    type: 'identify',
    userId,
    traits,
    messageId: `id-${process.pid}-${++counter}`,
    timestamp: new Date().toISOString(),
    ...extra,
  });

describe('statuses and history', () => {
  it('walks every channel status, keeping each change with its source, time and previous status', async () => {
    const address = fresh();
    const steps = [
      { status: 'subscribed', source: 'api', at: minute(1), proof: { ip: '203.0.113.9', text: 'Send me news' } },
      { status: 'unsubscribed', source: 'one-click', at: minute(2) },
      { status: 'subscribed', source: 'import', at: minute(3) },
      { status: 'bounced', source: 'sender', at: minute(4) },
      { status: 'subscribed', source: 'sdk', at: minute(5) },
      { status: 'complained', source: 'sender', at: minute(6) },
      { status: 'none', source: 'api', at: minute(7) },
    ];
    for (const step of steps) {
      const result = await put('email', address.toUpperCase(), step);
      expect(result.changes).toEqual([{ topic: null, status: step.status, applied: true, skipped: null }]);
      expect(result.state).toMatchObject({ channel: 'email', address, status: step.status, since: step.at });
    }
    const kept = await record('email', address);
    expect(kept.history.map((h) => [h.previous, h.status, h.source, h.at])).toEqual(
      steps.map((step, i) => [i === 0 ? 'none' : steps[i - 1]!.status, step.status, step.source, step.at]),
    );
    expect(kept.history[0]!.proof).toEqual({ ip: '203.0.113.9', text: 'Send me news' });
  });

  it('answers check for each status with its reason', async () => {
    const expectations: [string | null, boolean, string][] = [
      [null, false, 'unknown'],
      ['subscribed', true, 'subscribed'],
      ['unsubscribed', false, 'unsubscribed'],
      ['bounced', false, 'bounced'],
      ['complained', false, 'complained'],
      ['none', false, 'not_opted_in'],
    ];
    for (const [status, allowed, reason] of expectations) {
      const address = fresh();
      if (status)
        await put('email', address, {
          status: status === 'none' ? 'subscribed' : status,
          source: 'api',
          at: minute(1),
        });
      if (status === 'none') await put('email', address, { status: 'none', source: 'api', at: minute(2) });
      expect(await check(address)).toMatchObject({ allowed, reason, status: status ?? 'none', topicStatus: null });
    }
  });

  it('keeps the latest change, except an unsubscribe within the conflict window', async () => {
    const address = fresh();
    await put('email', address, { status: 'subscribed', source: 'api', at: minute(10) });
    // Older and outside the window: stale.
    const stale = await put('email', address, { status: 'unsubscribed', source: 'api', at: minute(1) });
    expect(stale.changes[0]).toMatchObject({ applied: false, skipped: 'stale' });
    // 5 s older than the subscribe, inside the 10 s window: the unsubscribe still wins.
    const late = new Date(Date.parse(minute(10)) - 5_000).toISOString();
    const wins = await put('email', address, { status: 'unsubscribed', source: 'sdk', at: late });
    expect(wins.changes[0]).toMatchObject({ applied: true });
    // A subscribe newer by 5 s does not undo it; one a minute later does.
    const soon = new Date(Date.parse(minute(10)) + 5_000).toISOString();
    expect((await put('email', address, { status: 'subscribed', source: 'sdk', at: soon })).changes[0]).toMatchObject({
      applied: false,
      skipped: 'stale',
    });
    expect((await put('email', address, { status: 'subscribed', source: 'sdk', at: minute(12) })).state.status).toBe(
      'subscribed',
    );
    expect((await record('email', address)).history).toHaveLength(3);
  });
});

describe('topics', () => {
  it('lets a channel unsubscribe beat every topic', async () => {
    const address = fresh();
    await put('email', address, {
      status: 'subscribed',
      topics: { newsletter: 'subscribed', offers: 'subscribed' },
      source: 'api',
      at: minute(1),
    });
    expect(await check(address, 'newsletter')).toMatchObject({
      allowed: true,
      reason: 'subscribed',
      topicStatus: 'subscribed',
    });
    await put('email', address, { status: 'unsubscribed', source: 'api', at: minute(2) });
    for (const topic of ['newsletter', 'offers', 'undeclared']) {
      expect(await check(address, topic)).toMatchObject({
        allowed: false,
        reason: 'unsubscribed',
        status: 'unsubscribed',
      });
    }
  });

  it('answers topic_unsubscribed for a topic left while the channel stays subscribed', async () => {
    const address = fresh();
    await put('email', address, {
      status: 'subscribed',
      topics: { offers: 'unsubscribed' },
      source: 'api',
      at: minute(1),
    });
    expect(await check(address, 'offers')).toMatchObject({
      allowed: false,
      reason: 'topic_unsubscribed',
      status: 'subscribed',
    });
    expect(await check(address)).toMatchObject({ allowed: true, reason: 'subscribed' });
  });

  it('sends opt-in topics to subscribers only and opt-out topics (declared or not) to all but leavers', async () => {
    const nobody = fresh();
    expect(await check(nobody, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'not_opted_in',
      topicStatus: 'none',
    });
    expect(await check(nobody, 'offers')).toMatchObject({ allowed: true, reason: 'unknown' });
    expect(await check(nobody, 'never-declared')).toMatchObject({ allowed: true, reason: 'unknown' });
    const member = fresh();
    await put('email', member, { status: 'subscribed', source: 'api', at: minute(1) });
    expect(await check(member, 'newsletter')).toMatchObject({ allowed: false, reason: 'not_opted_in' });
    expect(await check(member, 'offers')).toMatchObject({ allowed: true, reason: 'subscribed' });
    await put('email', member, { topics: { newsletter: 'subscribed' }, source: 'api', at: minute(2) });
    expect(await check(member, 'newsletter')).toMatchObject({ allowed: true, reason: 'subscribed', since: minute(2) });
  });
});

describe('Segment messaging_subscriptions', () => {
  it('applies the Segment shape sent by @segment/analytics-node on identify', async () => {
    const email = fresh('seg');
    const userId = `seg-user-${process.pid}-${++counter}`;
    const analytics = new Analytics({ writeKey: collector.writeKey, host: collector.url, maxRetries: 0 });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.identify({
      userId,
      traits: { email, phone: '+44 7700 900123' },
      context: {
        messaging_subscriptions: [
          {
            key: email.toUpperCase(),
            type: 'EMAIL',
            status: 'SUBSCRIBED',
            groups: [
              { name: 'newsletter', status: 'SUBSCRIBED' },
              { name: 'offers', status: 'UNSUBSCRIBED' },
            ],
          },
          { key: '+44 7700 900123', type: 'SMS', status: 'UNSUBSCRIBED' },
          { key: '+44 7700 900123', type: 'WhatsApp', status: 'DID_NOT_SUBSCRIBE' },
          { key: 'not-an-email', type: 'EMAIL', status: 'SUBSCRIBED' },
        ],
      },
    });
    await analytics.closeAndFlush({ timeout: 15_000 });
    expect(failures).toEqual([]);

    expect(await check(email, 'newsletter')).toMatchObject({ allowed: true, reason: 'subscribed', source: 'sdk' });
    expect(await check(email, 'offers')).toMatchObject({ allowed: false, reason: 'topic_unsubscribed' });
    expect(await check('+447700900123', undefined, 'sms')).toMatchObject({ allowed: false, reason: 'unsubscribed' });
    expect((await record('whatsapp', '+447700900123')).history).toEqual([]);

    const profile = await call<Profile>('GET', `/v1/profiles/${encodeURIComponent(`userId:${userId}`)}`);
    expect(profile.subscriptions?.map((s) => [s.channel, s.status])).toEqual([
      ['email', 'subscribed'],
      ['sms', 'unsubscribed'],
    ]);
    const timeline = await call<{ data: StoredEvent[] }>(
      'GET',
      `/v1/profiles/${encodeURIComponent(`userId:${userId}`)}/events?limit=20`,
    );
    const names = timeline.data.map((e) => (e.message as { event?: string }).event ?? e.type);
    expect(names.filter((n) => n === 'Subscribed')).toHaveLength(2);
    expect(names.filter((n) => n === 'Unsubscribed')).toHaveLength(2);
    const identifyEvent = timeline.data.find((e) => e.type === 'identify');
    expect(identifyEvent?.warnings).toEqual([
      { code: 'invalid_subscription', detail: 'messaging_subscriptions.3.key: "not-an-email" is not a valid email' },
    ]);
    expect(timeline.data.find((e) => e.source === 'exhaust')?.message).toMatchObject({
      type: 'track',
      properties: { channel: expect.any(String), source: 'sdk' },
    });
  });

  it('does nothing at all for an identify without messaging_subscriptions', async () => {
    const email = fresh('plain');
    expect((await identify(`plain-${counter}`, { email })).status).toBe(200);
    expect((await record('email', email)).history).toEqual([]);
  });
});

describe('one-click unsubscribe', () => {
  const link = (address: string, topic?: string) =>
    call<SubscriptionLink>('POST', '/v1/subscriptions/links', {
      channel: 'email',
      address,
      ...(topic ? { topic } : {}),
    });

  it('builds a link with the RFC 8058 headers and an opaque token', async () => {
    const address = fresh();
    const made = await link(address);
    expect(made.url).toMatch(new RegExp(`^${collector.url}/unsubscribe/[A-Za-z0-9_-]+$`));
    expect(made.url).not.toContain('example.org');
    expect(made.url.toLowerCase()).not.toContain(encodeURIComponent(address).toLowerCase());
    expect(made.headers).toEqual({
      'List-Unsubscribe': `<${made.url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect((await link(address.toUpperCase())).url).toBe(made.url);
  });

  it('starts links with publicUrl from the config, path prefix kept', async () => {
    const behindProxy = await startTestCollector({ config: { publicUrl: 'https://mail.example.com/exhaust/' } });
    try {
      const response = await fetch(`${behindProxy.url}/v1/subscriptions/links`, {
        method: 'POST',
        headers: { authorization: `Bearer ${behindProxy.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'sms', address: '+44 7700 900123' }),
      });
      const { url } = (await response.json()) as SubscriptionLink;
      expect(url).toMatch(/^https:\/\/mail\.example\.com\/exhaust\/unsubscribe\/[A-Za-z0-9_-]+$/);
      // The same token works on the collector itself (the proxy only forwards).
      const page = await fetch(`${behindProxy.url}/unsubscribe/${url.slice(url.lastIndexOf('/') + 1)}`);
      expect(await page.text()).toContain('+**********23');
    } finally {
      await behindProxy.stop();
    }
  });

  it('shows a page on GET without unsubscribing', async () => {
    const address = fresh();
    await put('email', address, { status: 'subscribed', source: 'api', at: minute(1) });
    const { url } = await link(address, 'offers');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain(`a***@example.org`.replace('a', address[0]!));
    expect(html).not.toContain(address);
    expect(html).toContain('offers');
    expect(html).toMatch(/<form method="post"[^>]*>\s*<input type="hidden" name="List-Unsubscribe" value="One-Click">/);
    expect(html).not.toContain('<script');
    expect(await check(address, 'offers')).toMatchObject({ allowed: true });
    expect((await record('email', address)).history).toHaveLength(1);
  });

  it.each([
    [
      'application/x-www-form-urlencoded',
      () => ({ body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ],
    [
      'multipart/form-data',
      () => {
        const form = new FormData();
        form.set('List-Unsubscribe', 'One-Click');
        return { body: form, headers: {} };
      },
    ],
  ])('unsubscribes at once on a %s POST, answering 200 with no body, redirect or cookie', async (_type, make) => {
    const address = fresh();
    await put('email', address, { status: 'subscribed', source: 'api', at: minute(1) });
    const { url } = await link(address);
    const { body, headers } = make();
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('location')).toBeNull();
    expect(await check(address)).toMatchObject({ allowed: false, reason: 'unsubscribed', source: 'one-click' });
  });

  it('unsubscribes one topic only when the link names one', async () => {
    const address = fresh();
    await put('email', address, { status: 'subscribed', source: 'api', at: minute(1) });
    const { url } = await link(address, 'offers');
    await fetch(url, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await check(address, 'offers')).toMatchObject({ allowed: false, reason: 'topic_unsubscribed' });
    expect(await check(address)).toMatchObject({ allowed: true });
  });

  it('answers 400 with a plain page to tampered, truncated and foreign tokens and changes nothing', async () => {
    const address = fresh();
    await put('email', address, { status: 'subscribed', source: 'api', at: minute(1) });
    const { url } = await link(address);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const flip = (i: number) => `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
    // A link signed by another collector's key.
    const other = await startTestCollector();
    const foreign = (
      (await (
        await fetch(`${other.url}/v1/subscriptions/links`, {
          method: 'POST',
          headers: { authorization: `Bearer ${other.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'email', address }),
        })
      ).json()) as SubscriptionLink
    ).url;
    await other.stop();
    const bad = [
      flip(3),
      flip(10),
      flip(token.length - 2),
      token.slice(0, -4),
      'AAAA',
      foreign.slice(foreign.lastIndexOf('/') + 1),
    ];
    for (const candidate of bad) {
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${collector.url}/unsubscribe/${candidate}`, {
          method,
          ...(method === 'POST'
            ? { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
            : {}),
        });
        expect(response.status, `${method} ${candidate}`).toBe(400);
        expect(response.headers.get('content-type')).toContain('text/html');
        expect(await response.text()).toContain('not valid');
      }
    }
    expect(await check(address)).toMatchObject({ allowed: true, reason: 'subscribed' });
  });
});

describe('merge, unmerge and erasure', () => {
  it('keeps an opt-out through a merge, an unmerge and an email change', async () => {
    const [a, b] = [fresh('merge-a'), fresh('merge-b')];
    const [u1, u2] = [`m1-${process.pid}-${counter}`, `m2-${process.pid}-${counter}`];
    await identify(u1, { email: a });
    await identify(u2, { email: b });
    await put('email', a, { status: 'unsubscribed', source: 'api', at: minute(1) });
    await put('email', b, { status: 'subscribed', source: 'api', at: minute(1) });
    await call('POST', '/v1/merges', { from: `userId:${u2}`, into: `userId:${u1}` });
    const merged = await call<Profile>('GET', `/v1/profiles/${encodeURIComponent(`userId:${u1}`)}`);
    expect(merged.subscriptions?.map((s) => [s.address, s.status])).toEqual(
      expect.arrayContaining([
        [a, 'unsubscribed'],
        [b, 'subscribed'],
      ]),
    );
    expect(await check(a)).toMatchObject({ allowed: false, reason: 'unsubscribed' });
    await call('POST', `/v1/profiles/${encodeURIComponent(`userId:${u2}`)}/unmerge`);
    const one = await call<Profile>('GET', `/v1/profiles/${encodeURIComponent(`userId:${u1}`)}`);
    const two = await call<Profile>('GET', `/v1/profiles/${encodeURIComponent(`userId:${u2}`)}`);
    expect(one.subscriptions?.map((s) => [s.address, s.status])).toEqual([[a, 'unsubscribed']]);
    expect(two.subscriptions?.map((s) => [s.address, s.status])).toEqual([[b, 'subscribed']]);
    // The person changes their email: the old address keeps its opt-out, the new one starts at none.
    const changed = fresh('merge-new');
    await identify(u1, { email: changed });
    expect(await check(a)).toMatchObject({ allowed: false, reason: 'unsubscribed' });
    expect(await check(changed)).toMatchObject({ allowed: false, reason: 'unknown' });
  });

  it('erases the subscriptions, answers erased and refuses a re-import, with event suppression off', async () => {
    const email = fresh('erase');
    const userId = `erase-${process.pid}-${counter}`;
    await identify(userId, { email, phone: '+33 6 12 34 56 78' });
    await put('email', email, { status: 'subscribed', source: 'api', at: minute(1) });
    await put('sms', '+33612345678', { status: 'subscribed', source: 'api', at: minute(1) });
    const result = await call<Record<string, number>>(
      'DELETE',
      `/v1/profiles/${encodeURIComponent(`userId:${userId}`)}`,
    );
    expect(result).toMatchObject({ suppressed: 0, subscriptions: 4, contactSuppressed: 2 });
    expect(await check(email)).toMatchObject({ allowed: false, reason: 'erased', since: null });
    expect(await check('+33612345678', undefined, 'sms')).toMatchObject({ allowed: false, reason: 'erased' });
    expect((await record('email', email)).history).toEqual([]);
    const imported = await call<SubscriptionImportResult>(
      'POST',
      '/v1/subscriptions/import',
      `channel,address,status\r\nemail,${email.toUpperCase()},subscribed\r\n`,
      { ...adminHeaders(), 'content-type': 'text/csv' },
    );
    expect(imported).toEqual({ applied: 0, skipped: [{ line: 2, reason: 'erased' }] });
    const again = await put('email', email, { status: 'subscribed', source: 'api' });
    expect(again.changes[0]).toMatchObject({ applied: false, skipped: 'erased' });
    // Events still arrive (event suppression was not asked for).
    expect(await (await identify(`${userId}-again`, { email })).json()).toMatchObject({ accepted: 1 });
  });

  it('leaves contacts off the suppression list with suppressContact=false', async () => {
    const email = fresh('keep');
    const userId = `keep-${process.pid}-${counter}`;
    await identify(userId, { email });
    await put('email', email, { status: 'unsubscribed', source: 'api', at: minute(1) });
    const result = await call<Record<string, number>>(
      'DELETE',
      `/v1/profiles/${encodeURIComponent(`userId:${userId}`)}?suppressContact=false`,
    );
    expect(result).toMatchObject({ subscriptions: 2, contactSuppressed: 0 });
    expect(await check(email)).toMatchObject({ reason: 'unknown' });
  });
});

describe('senders', () => {
  it('checks 1,000 addresses at once and refuses 1,001', async () => {
    const addresses = Array.from(
      { length: MAX_SUBSCRIPTION_CHECK_ADDRESSES },
      (_, i) => `bulk-${process.pid}-${i}@example.org`,
    );
    await put('email', addresses[7]!, { status: 'subscribed', source: 'api', at: minute(1) });
    await put('email', addresses[500]!, { status: 'unsubscribed', source: 'api', at: minute(1) });
    const { data } = await call<{ data: SubscriptionCheckResult[] }>('POST', '/v1/subscriptions/check', {
      channel: 'email',
      topic: 'offers',
      addresses,
    });
    expect(data).toHaveLength(MAX_SUBSCRIPTION_CHECK_ADDRESSES);
    expect(data.map((r) => r.address)).toEqual(addresses);
    expect(data[7]).toMatchObject({ allowed: true, reason: 'subscribed' });
    expect(data[500]).toMatchObject({ allowed: false, reason: 'unsubscribed' });
    expect(data.filter((r) => r.allowed)).toHaveLength(MAX_SUBSCRIPTION_CHECK_ADDRESSES - 1);
    const tooMany = await fetch(`${collector.url}/v1/subscriptions/check`, {
      method: 'POST',
      headers: adminHeaders(),
      body: JSON.stringify({ channel: 'email', addresses: [...addresses, 'one-more@example.org'] }),
    });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as ApiErrorBody).error.issues?.[0]?.path).toEqual(['addresses']);
  });

  it('gives sender keys check and report only', async () => {
    const key = await call<CreatedKey>('POST', '/v1/sender-keys');
    expect(key.key).toMatch(/^sk_/);
    const auth = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' };
    const address = fresh('sender');
    const reported = await call<SubscriptionUpdateResult>(
      'POST',
      '/v1/subscriptions/report',
      { channel: 'email', address, status: 'bounced' },
      auth,
    );
    expect(reported.state).toMatchObject({ status: 'bounced', source: 'sender' });
    expect(
      await call('GET', `/v1/subscriptions/check?channel=email&address=${address}`, undefined, auth),
    ).toMatchObject({
      allowed: false,
      reason: 'bounced',
    });
    for (const [method, path] of [
      ['GET', '/v1/profiles'],
      ['GET', `/v1/profiles/${encodeURIComponent(`email:${address}`)}`],
      ['GET', '/v1/events'],
      ['GET', `/v1/subscriptions/email/${address}`],
      ['GET', '/v1/subscriptions/export'],
      ['POST', '/v1/subscriptions/links'],
      ['GET', '/v1/sender-keys'],
    ] as const) {
      const response = await fetch(`${collector.url}${path}`, {
        method,
        headers: auth,
        ...(method === 'POST' ? { body: JSON.stringify({ channel: 'email', address }) } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    const writeKey = await fetch(`${collector.url}/v1/subscriptions/check?channel=email&address=${address}`, {
      headers: { authorization: `Bearer ${collector.writeKey}` },
    });
    expect(writeKey.status).toBe(403);
    const listed = await call<{ data: { id: string; revokedAt: string | null }[] }>('GET', '/v1/sender-keys');
    expect(listed.data.map((k) => k.id)).toContain(key.id);
    await call('DELETE', `/v1/sender-keys/${key.id}`);
    const revoked = await fetch(`${collector.url}/v1/subscriptions/check?channel=email&address=${address}`, {
      headers: auth,
    });
    expect(revoked.status).toBe(401);
  });
});

describe('CSV', () => {
  it('exports what it imports, filtered by channel and status', async () => {
    const tag = `csv${process.pid}x${++counter}`;
    const rows = [
      `email,"${tag}.a@example.org",,unsubscribed,${minute(1)}`,
      `email,${tag}.b@example.org,offers,unsubscribed,${minute(2)}`,
      `email,${tag}.b@example.org,,subscribed,${minute(2)}`,
      `sms,+1 (415) 555-${String(counter).padStart(4, '0')},,complained,${minute(3)}`,
    ];
    const imported = await call<SubscriptionImportResult>(
      'POST',
      '/v1/subscriptions/import',
      `\ufeffchannel,address,topic,status,at\r\n${rows.join('\r\n')}\r\nfax,x,,subscribed,\r\n`,
      { ...adminHeaders(), 'content-type': 'text/csv' },
    );
    expect(imported.applied).toBe(4);
    expect(imported.skipped).toEqual([{ line: 6, reason: 'invalid', message: expect.stringContaining('channel') }]);

    const exported = await fetch(`${collector.url}/v1/subscriptions/export?channel=email&status=unsubscribed`, {
      headers: adminHeaders(),
    });
    expect(exported.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await exported.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('channel,address,topic,status,since,source');
    const mine = lines.filter((line) => line.includes(tag));
    expect(mine).toEqual([
      `email,${tag}.a@example.org,,unsubscribed,${minute(1)},import`,
      `email,${tag}.b@example.org,offers,unsubscribed,${minute(2)},import`,
    ]);

    // The whole export imports back into a fresh collector and exports the same.
    const all = await (await fetch(`${collector.url}/v1/subscriptions/export`, { headers: adminHeaders() })).text();
    const other = await startTestCollector();
    try {
      const back = await fetch(`${other.url}/v1/subscriptions/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.adminKey}`, 'content-type': 'text/csv' },
        body: all,
      });
      // A `none` kept after another status says "asked, not subscribed"; onto nothing it changes nothing.
      const noneLines = all.split('\r\n').flatMap((line, i) => (line.includes(',none,') ? [i + 1] : []));
      expect(((await back.json()) as SubscriptionImportResult).skipped).toEqual(
        noneLines.map((line) => ({ line, reason: 'unchanged' })),
      );
      const again = await (
        await fetch(`${other.url}/v1/subscriptions/export`, { headers: { authorization: `Bearer ${other.adminKey}` } })
      ).text();
      const comparable = (csv: string) =>
        csv
          .split('\r\n')
          .filter((line) => !line.includes(',none,'))
          .map((line) => line.replace(/,[a-z-]+$/, ''));
      expect(comparable(again)).toEqual(comparable(all));
      expect(comparable(all).length).toBeGreaterThan(10);
    } finally {
      await other.stop();
    }
  });

  it('refuses a file without the required columns', async () => {
    const response = await fetch(`${collector.url}/v1/subscriptions/import`, {
      method: 'POST',
      headers: { ...adminHeaders(), 'content-type': 'text/csv' },
      body: 'email,status\nada@example.org,subscribed\n',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ApiErrorBody).error).toMatchObject({
      code: 'invalid_body',
      message: expect.stringContaining('channel'),
    });
  });
});
