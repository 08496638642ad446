/**
 * Subscriptions wired to the other features, over real HTTP, as one test body
 * for every store (`subscriptions-wiring.http.test.ts` on SQLite,
 * `subscriptions-wiring.postgres.test.ts` on PostgreSQL): every change reaches
 * a real webhook receiver as `subscription.changed` (verified with
 * `standardwebhooks`), and audiences reading subscriptions are re-evaluated
 * inside the very request that changed one.
 */
import type {
  AudienceChange,
  ProfileView,
  StoredEvent,
  SubscriptionChangedData,
  SubscriptionLink,
  WebhookEndpointCreated,
} from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartTestCollector, TestCollector } from '../test/harness.js';
import { startReceiver, type TestReceiver } from '../test/webhook-receiver.js';

/** Registers the wiring tests, on collectors started by `startCollector`. */
export function describeSubscriptionsWiring(startCollector: StartTestCollector): void {
  let collector: TestCollector;
  let receiver: TestReceiver;
  beforeAll(async () => {
    collector = await startCollector({
      config: {
        webhooks: { allowHttp: true, allowPrivateNetworks: true },
        subscriptions: { topics: { email: [{ key: 'offers', mode: 'opt-in' }] } },
      },
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await collector.stop();
    await receiver.close();
  });

  let counter = 0;
  const fresh = (name: string) => `${name}.${process.pid}.${++counter}@example.org`;
  const at = (m: number) => new Date(Date.UTC(2026, 0, 10, 9, m)).toISOString();

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }
  const put = (channel: string, address: string, body: unknown) =>
    call('PUT', `/v1/subscriptions/${channel}/${encodeURIComponent(address)}`, body);
  async function identify(userId: string, traits: Record<string, unknown>): Promise<ProfileView> {
    const sent = await collector.send('/v1/identify', {
      type: 'identify',
      userId,
      traits,
      messageId: `wire-${process.pid}-${++counter}`,
      timestamp: new Date().toISOString(),
    });
    expect(sent.status).toBe(200);
    return call<ProfileView>('GET', `/v1/profiles/${encodeURIComponent(`userId:${userId}`)}`);
  }
  async function oneClick(address: string, topic?: string): Promise<void> {
    const { url } = await call<SubscriptionLink>('POST', '/v1/subscriptions/links', {
      channel: 'email',
      address,
      ...(topic ? { topic } : {}),
    });
    const response = await fetch(url, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
  }

  describe('subscription.changed webhooks', () => {
    it('delivers a one-click unsubscribe within 2 s, signed, with the owner, filtered by channel', async () => {
      const endpoint = await call<WebhookEndpointCreated>('POST', '/v1/webhooks', {
        url: `${receiver.url}/subscriptions`,
        events: ['subscription.changed', 'profile.erased'],
        filter: { channels: ['email'] },
      });
      const email = fresh('Ada');
      const userId = `wire-ada-${process.pid}`;
      const profile = await identify(userId, { email, phone: '+44 7700 900123' });
      await put('email', email.toUpperCase(), { status: 'subscribed', source: 'api', at: at(1) });
      // Another channel: the filter keeps it away.
      await put('sms', '+447700900123', { status: 'subscribed', source: 'api', at: at(1) });
      const [subscribed] = await receiver.waitFor(1);
      const sentAt = Date.now();
      await oneClick(email);
      const [, unsubscribed] = await receiver.waitFor(2);
      expect(unsubscribed!.at - sentAt).toBeLessThan(2000);

      const bodies = [subscribed!, unsubscribed!].map(
        (request) => receiver.verify(request, endpoint.secret) as { type: string; data: SubscriptionChangedData },
      );
      expect(bodies.map((body) => body.type)).toEqual(['subscription.changed', 'subscription.changed']);
      expect(bodies[0]!.data).toEqual({
        id: expect.stringMatching(/^subscription-\d+$/),
        channel: 'email',
        address: email.toLowerCase(),
        topic: null,
        status: 'subscribed',
        previousStatus: 'none',
        source: 'api',
        at: at(1),
        profileId: profile.id,
      });
      expect(bodies[1]!.data).toMatchObject({
        channel: 'email',
        address: email.toLowerCase(),
        topic: null,
        status: 'unsubscribed',
        previousStatus: 'subscribed',
        source: 'one-click',
        profileId: profile.id,
      });
      expect(bodies[1]!.data.id).not.toBe(bodies[0]!.data.id);
      // The id is the profile's timeline event's messageId: one change, one id everywhere.
      const timeline = await call<{ data: { messageId: string }[] }>(
        'GET',
        `/v1/profiles/${profile.id}/events?limit=50`,
      );
      expect(timeline.data.map((event) => event.messageId)).toContain(bodies[1]!.data.id);

      // Erasure announces itself (ids and counts) and never a change naming the erased address.
      await call('DELETE', `/v1/profiles/${encodeURIComponent(`userId:${userId}`)}`);
      const [, , erased] = await receiver.waitFor(3);
      expect(receiver.verify(erased!, endpoint.secret)).toMatchObject({ type: 'profile.erased' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(3);
      expect(erased!.body).not.toContain(email.toLowerCase());
      expect(receiver.received.some((request) => request.body.includes('+447700900123'))).toBe(false);
      await call('DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('is refused as a filter with an unknown channel', async () => {
      const response = await fetch(`${collector.url}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, events: ['subscription.changed'], filter: { channels: ['fax'] } }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { issues: { path: (string | number)[] }[] } };
      expect(body.error.issues[0]!.path).toEqual(['filter', 'channels', 0]);
    });
  });

  describe('audiences reading subscriptions', () => {
    it('enters on a subscribe and exits on a one-click unsubscribe, within the same request', async () => {
      await call('POST', '/v1/audiences', {
        key: 'offers_ok',
        name: 'May receive offers',
        condition: { subscription: { channel: 'email', topic: 'offers' }, op: 'allowed' },
      });
      const email = fresh('grace');
      const profile = await identify(`wire-grace-${process.pid}`, { email });
      // offers is opt-in: nobody asked yet, so not a member.
      expect(profile.audiences).toEqual([]);

      await put('email', email, { status: 'subscribed', source: 'api', at: at(1), topics: { offers: 'subscribed' } });
      const member = await call<ProfileView>('GET', `/v1/profiles/${profile.id}`);
      expect(member.audiences).toEqual([{ key: 'offers_ok', enteredAt: expect.any(String) }]);

      await oneClick(email, 'offers');
      // No waiting: the exit was written in the one-click's own transaction.
      expect((await call<ProfileView>('GET', `/v1/profiles/${profile.id}`)).audiences).toEqual([]);
      const changes = await call<{ data: AudienceChange[] }>('GET', '/v1/audiences/offers_ok/changes');
      expect(changes.data.filter((change) => change.profileId === profile.id).map((c) => [c.change, c.reason])).toEqual(
        [
          ['entered', 'event'],
          ['exited', 'event'],
        ],
      );
      const timeline = await call<{ data: StoredEvent[] }>('GET', `/v1/profiles/${profile.id}/events?limit=50`);
      expect(timeline.data.map((event) => (event.message.type === 'track' ? event.message.event : null))).toContain(
        'Audience Exited',
      );

      const explained = await call<{ children?: unknown; actual: unknown }>(
        'GET',
        `/v1/profiles/${profile.id}/audiences/offers_ok/explain`,
      );
      expect(explained).toMatchObject({
        value: false,
        actual: [{ address: email, allowed: false, reason: 'topic_unsubscribed' }],
      });
    });
  });
}
