/**
 * Webhooks end to end over real HTTP, as one test body for every store
 * (`webhooks.http.test.ts` on SQLite, `webhooks.http.postgres.test.ts` on
 * PostgreSQL): a collector on loopback, a real receiver server, and every
 * delivery verified with the official `standardwebhooks` package. Retry
 * schedules are in test seconds.
 */
import type { WebhookDelivery, WebhookEndpointCreated } from '@exhaust/schema';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigFileInput } from '../config/config-schema.js';
import { type StartTestCollector, type TestCollector, track } from '../test/harness.js';
import { startReceiver, type TestReceiver } from '../test/webhook-receiver.js';

const LOOPBACK_WEBHOOKS = { allowHttp: true, allowPrivateNetworks: true, retryScheduleMs: [1000, 2000] };

/** Registers the webhook tests, each on a fresh collector started by `startCollector`. */
export function describeWebhooksOverHttp(startCollector: StartTestCollector): void {
  let collector: TestCollector;
  let receivers: TestReceiver[] = [];

  afterEach(async () => {
    await collector?.stop();
    await Promise.all(receivers.map((r) => r.close()));
    receivers = [];
  });

  async function setup(webhooks: Record<string, unknown> = {}): Promise<TestReceiver> {
    const config: ConfigFileInput = { webhooks: { ...LOOPBACK_WEBHOOKS, ...webhooks } };
    collector = await startCollector({ config });
    const receiver = await startReceiver();
    receivers.push(receiver);
    return receiver;
  }

  async function admin(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function createEndpoint(body: Record<string, unknown>): Promise<WebhookEndpointCreated> {
    const res = await admin('POST', '/v1/webhooks', body);
    expect(res.status).toBe(201);
    return res.json() as Promise<WebhookEndpointCreated>;
  }

  async function deliveries(id: string, status?: string): Promise<WebhookDelivery[]> {
    const res = await admin('GET', `/v1/webhooks/${id}/deliveries${status ? `?status=${status}` : ''}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: WebhookDelivery[] }).data;
  }

  /** Polls the deliveries until one satisfies `done` (nothing here is timed; the bound is generous). */
  async function waitForDelivery(id: string, done: (d: WebhookDelivery) => boolean, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await deliveries(id)).find(done);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching delivery: ${JSON.stringify(await deliveries(id))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const ingest = (...messages: Record<string, unknown>[]) => collector.send('/v1/batch', { batch: messages });

  describe('webhooks over HTTP', () => {
    it('forwards raw events through a filter, signed and verifiable with standardwebhooks', async () => {
      const receiver = await setup();
      const endpoint = await createEndpoint({
        url: receiver.url,
        events: ['event.received'],
        filter: { events: ['Order Completed'] },
        description: 'ERP',
      });
      expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const order = track({ event: 'Order Completed', properties: { truck: 'T-7' } });
      expect((await ingest(track({ event: 'Page Viewed' }), order)).status).toBe(200);
      const [request] = await receiver.waitFor(1);
      expect(receiver.verify(request!, endpoint.secret)).toMatchObject({
        type: 'event.received',
        data: { messageId: order.messageId, message: { event: 'Order Completed', properties: { truck: 'T-7' } } },
      });
      expect(request!.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': expect.stringMatching(/^Exhaust\/\d+\.\d+\.\d+/),
        'webhook-id': expect.stringMatching(/^msg_/),
        'webhook-timestamp': expect.stringMatching(/^\d+$/),
      });
      // The signature is over the exact bytes: one byte changed and it fails.
      expect(() => receiver.verify({ ...request!, body: `${request!.body} ` }, endpoint.secret)).toThrow();
      // The receiver has the request before the collector has the answer: wait for it to be recorded.
      const delivered = await waitForDelivery(endpoint.id, (d) => d.status !== 'pending');
      expect(delivered).toMatchObject({
        id: request!.headers['webhook-id'],
        status: 'delivered',
        payload: request!.body,
      });
      expect(delivered!.attempts).toMatchObject([{ statusCode: 200, response: 'ok', error: null }]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(1);
    });

    it('sends audience entered and exited within 2 s of the change, with the profile', async () => {
      const receiver = await setup();
      const endpoint = await createEndpoint({
        url: receiver.url,
        events: ['audience.entered', 'audience.exited'],
        filter: { audiences: ['booking_surge'] },
      });
      const created = await admin('POST', '/v1/audiences', {
        key: 'booking_surge',
        name: 'Booked in the last 2 s',
        condition: { event: 'Truck Booked', within: '2s' },
      });
      expect(created.status).toBe(201);
      const sentAt = Date.now();
      await ingest(track({ event: 'Truck Booked', userId: 'driver-1', traits: { name: 'Ada' } }));
      const [entered] = await receiver.waitFor(1);
      expect(entered!.at - sentAt).toBeLessThan(2000);
      expect(receiver.verify(entered!, endpoint.secret)).toMatchObject({
        type: 'audience.entered',
        data: {
          audienceKey: 'booking_surge',
          seq: 1,
          reason: 'event',
          profile: {
            id: expect.stringMatching(/\S/),
            identifiers: expect.arrayContaining([{ type: 'userId', value: 'driver-1' }]),
          },
        },
      });
      const [, exited] = await receiver.waitFor(2, 8000);
      expect(exited!.json).toMatchObject({ type: 'audience.exited', data: { seq: 2, reason: 'time' } });
      receiver.verify(exited!, endpoint.secret);
      // The membership lapsed 2 s after the booking; the exit arrived within 2 s of that.
      expect(exited!.at - (sentAt + 2000)).toBeLessThan(2000);
    });

    it('sends computed.changed with the value and the previous one, only for the traits filtered', async () => {
      const receiver = await setup();
      const endpoint = await createEndpoint({
        url: receiver.url,
        events: ['computed.changed'],
        filter: { traits: ['orders'] },
      });
      for (const definition of [
        { key: 'orders', kind: 'count', event: 'Order Completed' },
        { key: 'revenue', kind: 'sum', event: 'Order Completed', property: 'total' },
      ]) {
        expect((await admin('POST', '/v1/computed-traits', definition)).status).toBe(201);
      }
      // Two requests, so that the second change is computed on top of the first one's stored value.
      await ingest(track({ event: 'Order Completed', userId: 'buyer-1', properties: { total: 20 } }));
      await ingest(track({ event: 'Order Completed', userId: 'buyer-1', properties: { total: 30 } }));
      const requests = await receiver.waitFor(2);
      const buyer = (await (await admin('GET', '/v1/profiles/userId%3Abuyer-1')).json()) as { id: string };
      expect(requests.map((request) => receiver.verify(request, endpoint.secret))).toEqual([
        {
          type: 'computed.changed',
          timestamp: expect.any(String),
          data: { traitKey: 'orders', profileId: buyer.id, value: 1, previous: null },
        },
        {
          type: 'computed.changed',
          timestamp: expect.any(String),
          data: { traitKey: 'orders', profileId: buyer.id, value: 2, previous: 1 },
        },
      ]);
      // revenue changed twice too; the filter kept it away.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(2);
    });

    it('signs with both secrets for a day after a rotation', async () => {
      const receiver = await setup();
      const endpoint = await createEndpoint({ url: receiver.url, events: ['event.received'] });
      const rotated = await admin('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      const { secret } = (await rotated.json()) as { secret: string };
      expect(secret).not.toBe(endpoint.secret);
      await ingest(track());
      const [request] = await receiver.waitFor(1);
      expect(request!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      receiver.verify(request!, endpoint.secret);
      receiver.verify(request!, secret);
    });

    it('retries a 500 on the schedule, then delivers with the same webhook-id', async () => {
      const receiver = await setup();
      receiver.script({ status: 500, body: 'x'.repeat(5000) });
      const endpoint = await createEndpoint({ url: receiver.url, events: ['event.received'] });
      await ingest(track());
      const [first, second] = await receiver.waitFor(2);
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      // Schedule [1 s, 2 s] with up to 10% jitter.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
      for (const request of [first!, second!]) receiver.verify(request, endpoint.secret);
      const delivery = await waitForDelivery(endpoint.id, (d) => d.status === 'delivered');
      expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
      // The response is kept to its first 1 KB.
      expect(delivery.attempts[0]!.response).toHaveLength(1024);
    });

    it('honours retry-after on a 429', async () => {
      const receiver = await setup();
      receiver.script({ status: 429, headers: { 'retry-after': '3' } });
      const endpoint = await createEndpoint({ url: receiver.url, events: ['event.received'] });
      await ingest(track());
      const [first, second] = await receiver.waitFor(2);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(3000);
      receiver.verify(second!, endpoint.secret);
    });

    it('disables the endpoint on 410 and says why; PATCH enabled re-enables it', async () => {
      const receiver = await setup();
      receiver.script({ status: 410 });
      const endpoint = await createEndpoint({ url: receiver.url, events: ['event.received'] });
      await ingest(track());
      await waitForDelivery(endpoint.id, (d) => d.status === 'failed');
      const disabled = (await (await admin('GET', `/v1/webhooks/${endpoint.id}`)).json()) as Record<string, unknown>;
      expect(disabled).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
      await ingest(track());
      const patched = await admin('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: true });
      expect(await patched.json()).toMatchObject({ enabled: true, disabledReason: null });
      expect(receiver.received).toHaveLength(1);
      expect(await deliveries(endpoint.id)).toHaveLength(1);
    });

    it('treats a redirect as a failure and never follows it', async () => {
      const receiver = await setup({ retryScheduleMs: [] });
      const elsewhere = await startReceiver();
      receivers.push(elsewhere);
      receiver.script({ status: 302, headers: { location: elsewhere.url } });
      const endpoint = await createEndpoint({ url: receiver.url, events: ['event.received'] });
      await ingest(track());
      const failed = await waitForDelivery(endpoint.id, (d) => d.status === 'failed');
      expect(failed.attempts).toMatchObject([{ statusCode: 302, error: null }]);
      expect(elsewhere.received).toHaveLength(0);
    });

    it('times out a receiver that hangs, then retries', async () => {
      const receiver = await setup({ timeoutMs: 500 });
      receiver.script('hang');
      const endpoint = await createEndpoint({ url: receiver.url, events: ['event.received'] });
      await ingest(track());
      const delivered = await waitForDelivery(endpoint.id, (d) => d.status === 'delivered');
      expect(delivered.attempts).toMatchObject([
        { statusCode: null, error: 'timeout' },
        { statusCode: 200, error: null },
      ]);
      expect(delivered.attempts[0]!.durationMs).toBeGreaterThanOrEqual(500);
    });

    it('records a refused connection and fails after the last retry; replay sends it again', async () => {
      const receiver = await setup({ retryScheduleMs: [200] });
      const closed = await startReceiver();
      const deadUrl = closed.url;
      await closed.close();
      const endpoint = await createEndpoint({ url: deadUrl, events: ['event.received'] });
      const since = new Date().toISOString();
      await ingest(track());
      const failed = await waitForDelivery(endpoint.id, (d) => d.status === 'failed');
      expect(failed.attempts).toMatchObject([
        { statusCode: null, error: 'connection_error' },
        { statusCode: null, error: 'connection_error' },
      ]);
      // The operator fixes the receiver's address and replays what failed.
      await admin('PATCH', `/v1/webhooks/${endpoint.id}`, { url: receiver.url });
      const replay = await admin('POST', `/v1/webhooks/${endpoint.id}/replay`, { since });
      expect(await replay.json()).toEqual({ requeued: 1 });
      const [request] = await receiver.waitFor(1);
      expect(request!.headers['webhook-id']).toBe(failed.id);
      receiver.verify(request!, endpoint.secret);
      await waitForDelivery(endpoint.id, (d) => d.status === 'delivered');
    });

    it('retries one delivery on request and sends a test event', async () => {
      const receiver = await setup({ retryScheduleMs: [] });
      receiver.script({ status: 500 });
      const endpoint = await createEndpoint({ url: receiver.url, events: ['profile.erased'] });
      const test = await admin('POST', `/v1/webhooks/${endpoint.id}/test`);
      expect(test.status).toBe(202);
      const { id } = (await test.json()) as { id: string };
      await waitForDelivery(endpoint.id, (d) => d.id === id && d.status === 'failed');
      const retry = await admin('POST', `/v1/webhooks/${endpoint.id}/deliveries/${id}/retry`);
      expect(retry.status).toBe(202);
      const [, again] = await receiver.waitFor(2);
      expect(receiver.verify(again!, endpoint.secret)).toMatchObject({ type: 'webhook.test' });
      expect((await admin('POST', `/v1/webhooks/${endpoint.id}/deliveries/msg_nope/retry`)).status).toBe(404);
    });

    it('delivers the changes of one profile and audience in sequence order, even across a retry', async () => {
      const receiver = await setup({ retryScheduleMs: [1500] });
      const endpoint = await createEndpoint({ url: receiver.url, events: ['audience.entered', 'audience.exited'] });
      await admin('POST', '/v1/audiences', {
        key: 'just_booked',
        name: 'Booked in the last second',
        condition: { event: 'Truck Booked', within: '1s' },
      });
      // The enter fails once and is retried 1.5 s later; the exit (due after 1 s) must wait for it.
      receiver.script({ status: 503 });
      await ingest(track({ event: 'Truck Booked', userId: 'driver-2' }));
      const requests = await receiver.waitFor(3, 10_000);
      const seen = requests.map((r) => [r.json.type, r.json.data.seq]);
      expect(seen).toEqual([
        ['audience.entered', 1],
        ['audience.entered', 1],
        ['audience.exited', 2],
      ]);
      for (const request of requests) receiver.verify(request, endpoint.secret);
    });

    it('refuses a private address when private networks are not allowed: nothing is sent', async () => {
      const receiver = await setup({ allowPrivateNetworks: false, retryScheduleMs: [] });
      const endpoint = await createEndpoint({ url: receiver.url, events: ['event.received'] });
      await ingest(track());
      const failed = await waitForDelivery(endpoint.id, (d) => d.status === 'failed');
      expect(failed.attempts).toMatchObject([{ statusCode: null, error: 'address_not_allowed' }]);
      expect(receiver.received).toHaveLength(0);
    });

    it('answers 400 naming the field, 404 for unknown endpoints, and needs the admin key', async () => {
      const receiver = await setup({ allowHttp: false });
      const bad = async (body: unknown, path: string) => {
        const res = await admin('POST', '/v1/webhooks', body);
        expect(res.status).toBe(400);
        const { error } = (await res.json()) as { error: { code: string; issues: { path: string[] }[] } };
        expect(error.issues.map((i) => i.path.join('.'))).toContain(path);
      };
      await bad({ url: receiver.url, events: ['event.received'] }, 'url');
      await bad({ url: 'https://erp.example/hook', events: [] }, 'events');
      await bad({ url: 'https://erp.example/hook', events: ['order.shipped'] }, 'events.0');
      await bad({ url: 'https://erp.example/hook', events: ['event.received'], filter: { names: ['x'] } }, 'filter');
      await bad({ url: 'https://u:p@erp.example/hook', events: ['event.received'] }, 'url');
      const ok = await createEndpoint({ url: 'https://erp.example/hook', events: ['event.received'] });
      const replay = await admin('POST', `/v1/webhooks/${ok.id}/replay`, { since: 'yesterday' });
      expect(replay.status).toBe(400);
      const status = await admin('GET', `/v1/webhooks/${ok.id}/deliveries?status=lost`);
      expect(status.status).toBe(400);
      for (const [method, path] of [
        ['GET', '/v1/webhooks/ep_nope'],
        ['PATCH', '/v1/webhooks/ep_nope'],
        ['DELETE', '/v1/webhooks/ep_nope'],
        ['POST', '/v1/webhooks/ep_nope/rotate-secret'],
        ['GET', '/v1/webhooks/ep_nope/deliveries'],
      ] as const) {
        const res = await admin(method, path, method === 'PATCH' ? {} : undefined);
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      const listed = (await (await admin('GET', '/v1/webhooks')).json()) as { data: unknown[] };
      expect(JSON.stringify(listed)).not.toContain('whsec_');
      expect((await fetch(`${collector.url}/v1/webhooks`)).status).toBe(401);
      expect((await admin('DELETE', `/v1/webhooks/${ok.id}`)).status).toBe(204);
    });
  });
}
