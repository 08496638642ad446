/**
 * The webhooks half of the Store port's behaviour (issue 10), written once for
 * every implementation: endpoints with rotating secrets, the outbox written in
 * the transaction of each change, leased claims that respect per-endpoint
 * concurrency and per-key order, attempts and their verdicts, retry and replay.
 * Usage: `describeWebhooksContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import type { AudienceDefinition, WebhookEventType, WebhookFilter } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeIncomingEvent, type StoreFactory } from './store.contract.js';
import type { ClaimDeliveriesInput, IncomingEvent, RecordAttemptInput, Store } from './store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
let endpoints = 0;

async function endpoint(
  store: Store,
  events: WebhookEventType[],
  filter: WebhookFilter | null = null,
  secret = `whsec_${Buffer.from(`secret-${++endpoints}`).toString('base64')}`,
) {
  return store.createWebhook({
    id: `ep_test${++endpoints}`,
    url: 'https://receiver.example/hook',
    events,
    filter,
    description: null,
    enabled: true,
    secret,
    now: Date.now(),
  });
}

function event(name: string, anonymousId = 'anon-1', extra: Record<string, unknown> = {}): IncomingEvent {
  return makeIncomingEvent({ message: { event: name, anonymousId, ...extra } });
}

const claimInput = (over: Partial<ClaimDeliveriesInput> = {}): ClaimDeliveriesInput => ({
  now: Date.now() + 1000,
  owner: 'worker-1',
  leaseMs: 30_000,
  limit: 100,
  concurrencyPerEndpoint: 4,
  ...over,
});

const attempt = (id: string, verdict: RecordAttemptInput['verdict'], over: Partial<RecordAttemptInput> = {}) => ({
  id,
  owner: 'worker-1',
  at: Date.now(),
  statusCode: verdict.kind === 'delivered' ? 200 : 500,
  durationMs: 12,
  response: verdict.kind === 'delivered' ? 'ok' : 'boom',
  error: null,
  verdict,
  disableAfterMs: 5 * DAY_MS,
  ...over,
});

export interface WebhooksContractOptions {
  /**
   * False while the store has no activation area (computed traits, audiences): the tests whose
   * deliveries only activation produces are skipped. Default true.
   */
  activation?: boolean;
}

export function describeWebhooksContract(
  name: string,
  open: StoreFactory,
  options: WebhooksContractOptions = {},
): void {
  const needsActivation = options.activation === false;
  describe(`Store webhooks contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates, lists, reads, patches and deletes endpoints without showing secrets', async () => {
      expect(await store.listWebhooks()).toEqual([]);
      const created = await endpoint(store, ['event.received'], { events: ['Order Completed'] });
      expect(created).toEqual({
        id: created.id,
        url: 'https://receiver.example/hook',
        events: ['event.received'],
        filter: { events: ['Order Completed'] },
        description: null,
        enabled: true,
        disabledReason: null,
        health: { lastSuccessAt: null, lastFailureAt: null, failingSince: null },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(JSON.stringify(created)).not.toContain('whsec_');
      expect(await store.getWebhook(created.id)).toEqual(created);
      expect(await store.getWebhook('ep_nope')).toBeNull();
      const patched = await store.updateWebhook(created.id, { description: 'ERP', filter: null }, Date.now());
      expect(patched).toMatchObject({ description: 'ERP', filter: null, events: ['event.received'] });
      expect(await store.updateWebhook('ep_nope', { enabled: false }, Date.now())).toBeNull();
      expect((await store.listWebhooks()).map((e) => e.id)).toEqual([created.id]);
      expect(await store.deleteWebhook(created.id)).toBe(true);
      expect(await store.deleteWebhook(created.id)).toBe(false);
      expect(await store.listWebhooks()).toEqual([]);
    });

    it('writes event.received deliveries with the ingest, per matching endpoint, filtered by name and type', async () => {
      const orders = await endpoint(store, ['event.received'], { events: ['Order Completed'] });
      const everything = await endpoint(store, ['event.received']);
      const audiences = await endpoint(store, ['audience.entered']);
      const order = event('Order Completed');
      const [outcome] = await store.ingest([order, event('Page Viewed')]);
      // A duplicate is not a new event: nothing is queued for it.
      await store.ingest([order]);

      const ordersPage = await store.listDeliveries(orders.id, { limit: 10 });
      expect(ordersPage?.data).toHaveLength(1);
      const delivery = ordersPage!.data[0]!;
      expect(delivery).toMatchObject({
        endpointId: orders.id,
        type: 'event.received',
        status: 'pending',
        attempts: [],
      });
      expect(delivery.id).toMatch(/^msg_/);
      const body = JSON.parse(delivery.payload);
      expect(body).toEqual({
        type: 'event.received',
        timestamp: order.receivedAt,
        data: {
          messageId: order.messageId,
          type: 'track',
          source: order.source,
          profileId: outcome!.profileId,
          receivedAt: order.receivedAt,
          message: order.message,
        },
      });
      const all = await store.listDeliveries(everything.id, { limit: 10 });
      expect(all?.data.map((d) => JSON.parse(d.payload).data.message.event)).toEqual([
        'Page Viewed',
        'Order Completed',
      ]);
      expect(new Set([delivery.id, ...all!.data.map((d) => d.id)]).size).toBe(3);
      expect((await store.listDeliveries(audiences.id, { limit: 10 }))?.data).toEqual([]);
      expect(await store.listDeliveries('ep_nope', { limit: 10 })).toBeNull();
    });

    it('writes nothing for a disabled endpoint and sees endpoint changes on the next ingest', async () => {
      const hook = await endpoint(store, ['event.received']);
      await store.updateWebhook(hook.id, { enabled: false }, Date.now());
      await store.ingest([event('Order Completed')]);
      expect((await store.listDeliveries(hook.id, { limit: 10 }))?.data).toEqual([]);
      await store.updateWebhook(hook.id, { enabled: true }, Date.now());
      await store.ingest([event('Order Completed')]);
      expect((await store.listDeliveries(hook.id, { limit: 10 }))?.data).toHaveLength(1);
    });

    it('announces merges, unmerges and erasures; an erasure carries only its id and counts', async () => {
      const hook = await endpoint(store, ['profile.merged', 'profile.unmerged', 'profile.erased']);
      const [a] = await store.ingest([event('Signed Up', 'anon-a', { userId: 'u-a' })]);
      const [b] = await store.ingest([event('Signed Up', 'anon-b', { userId: 'u-b' })]);
      const [c] = await store.ingest([event('Signed Up', 'anon-c', { userId: 'u-c' })]);
      const [d] = await store.ingest([event('Signed Up', 'anon-d', { userId: 'u-d' })]);
      const merged = await store.merge({ id: a!.profileId! }, { id: b!.profileId! });
      const unmerged = await store.unmerge({ type: 'userId', value: 'u-a' });
      const bodiesBefore = (await store.listDeliveries(hook.id, { limit: 10 }))!.data
        .map((delivery) => JSON.parse(delivery.payload))
        .reverse();
      expect(bodiesBefore.map((body) => body.type)).toEqual(['profile.merged', 'profile.unmerged']);
      expect(bodiesBefore[0].data).toEqual({ survivor: merged!.survivor, merged: merged!.merged });
      expect(bodiesBefore[1].data).toEqual(unmerged);

      // A merge of two others, then the erasure of one of them: every delivery naming the erased
      // person leaves the outbox; the ones naming only others stay; the notice names nobody.
      const others = await store.merge({ id: c!.profileId! }, { id: d!.profileId! });
      const erased = await store.erase({ type: 'userId', value: 'u-c' }, { suppress: false });
      const page = await store.listDeliveries(hook.id, { limit: 10 });
      const bodies = page!.data.map((delivery) => JSON.parse(delivery.payload)).reverse();
      expect(bodies.map((body) => body.type)).toEqual(['profile.merged', 'profile.unmerged', 'profile.erased']);
      expect(bodies[2].data).toEqual(erased);
      for (const delivery of page!.data) {
        expect(delivery.payload).not.toContain(c!.profileId!);
        expect(delivery.payload).not.toContain(others!.merged!);
        expect(delivery.payload).not.toContain('u-c');
        expect(delivery.payload).not.toContain('anon-c');
      }
    });

    it('an erasure takes pending and sent deliveries that name the person out of the outbox', async () => {
      const hook = await endpoint(store, ['event.received']);
      await store.ingest([event('Order Completed', 'anon-gone', { userId: 'u-gone' })]);
      await store.ingest([event('Order Completed', 'anon-stays', { userId: 'u-stays' })]);
      expect((await store.listDeliveries(hook.id, { limit: 10 }))!.data).toHaveLength(2);
      await store.erase({ type: 'userId', value: 'u-gone' }, { suppress: false });
      const left = (await store.listDeliveries(hook.id, { limit: 10 }))!.data;
      expect(left).toHaveLength(1);
      expect(left[0]!.payload).toContain('u-stays');
      expect(left[0]!.payload).not.toContain('u-gone');
    });

    it('announces merges made by an event', async () => {
      const hook = await endpoint(store, ['profile.merged']);
      await store.ingest([event('Viewed', 'anon-x'), event('Viewed', 'anon-y', { userId: 'u-1' })]);
      const [linking] = await store.ingest([event('Signed In', 'anon-x', { userId: 'u-1' })]);
      const bodies = (await store.listDeliveries(hook.id, { limit: 10 }))!.data.map((d) => JSON.parse(d.payload));
      expect(bodies).toHaveLength(1);
      expect(bodies[0].data.survivor).toBe(linking!.profileId);
      expect(bodies[0].data.merged).toMatch(/\S/);
      expect(bodies[0].data.merged).not.toBe(linking!.profileId);
    });

    it.skipIf(needsActivation)('announces computed values that changed, filtered by trait key', async () => {
      const hook = await endpoint(store, ['computed.changed'], { traits: ['orders'] });
      const { version } = await store.getDefinitions();
      for (const [i, key] of ['orders', 'other_orders'].entries()) {
        await store.saveDefinition({
          kind: 'computedTrait',
          definition: { key, kind: 'count', event: 'Order Completed' },
          mode: 'create',
          expectedVersion: version + i,
          now: Date.now(),
        });
      }
      while ((await store.backfillStep({ now: Date.now(), limit: 100 })).remaining);
      const [first] = await store.ingest([event('Order Completed', 'buyer')]);
      await store.ingest([event('Order Completed', 'buyer')]);
      await store.ingest([event('Page Viewed', 'buyer')]);
      const bodies = (await store.listDeliveries(hook.id, { limit: 10 }))!.data.map((d) => JSON.parse(d.payload));
      expect(bodies.map((b) => b.data).reverse()).toEqual([
        { traitKey: 'orders', profileId: first!.profileId, value: 1, previous: null },
        { traitKey: 'orders', profileId: first!.profileId, value: 2, previous: 1 },
      ]);
      expect(bodies[0].type).toBe('computed.changed');
    });

    it('leases claimed deliveries to one owner at a time with the endpoint url and its secrets', async () => {
      const hook = await endpoint(store, ['event.received'], null, 'whsec_AAAA');
      await store.ingest([event('Order Completed')]);
      const now = Date.now() + 1000;
      const [claimed, ...rest] = await store.claimDeliveries(claimInput({ now, leaseMs: 1000 }));
      expect(rest).toEqual([]);
      expect(claimed).toMatchObject({
        endpointId: hook.id,
        url: hook.url,
        attemptsInRound: 0,
        secrets: ['whsec_AAAA'],
      });
      expect(JSON.parse(claimed!.payload).type).toBe('event.received');
      expect(await store.claimDeliveries(claimInput({ now: now + 999, owner: 'worker-2' }))).toEqual([]);
      // The alarm sees the lease's end; a dead claimer's row is taken over after it.
      expect(await store.nextDeliveryAt()).toBe(now + 1000);
      const [takenOver] = await store.claimDeliveries(claimInput({ now: now + 1000, owner: 'worker-2' }));
      expect(takenOver?.id).toBe(claimed!.id);
      // The first owner lost its lease: its late report is ignored.
      await store.recordDeliveryAttempts([attempt(claimed!.id, { kind: 'delivered' })]);
      expect((await store.listDeliveries(hook.id, { limit: 10 }))!.data[0]).toMatchObject({ status: 'pending' });
      await store.recordDeliveryAttempts([attempt(claimed!.id, { kind: 'delivered' }, { owner: 'worker-2' })]);
      expect((await store.listDeliveries(hook.id, { limit: 10 }))!.data[0]).toMatchObject({
        status: 'delivered',
        nextAttemptAt: null,
        attempts: [{ statusCode: 200, durationMs: 12, response: 'ok', error: null, at: expect.any(String) }],
      });
      expect(await store.nextDeliveryAt()).toBeNull();
    });

    it('claims at most N deliveries per endpoint at once', async () => {
      const busy = await endpoint(store, ['event.received'], { events: ['Busy'] });
      const quiet = await endpoint(store, ['event.received'], { events: ['Quiet'] });
      await store.ingest([1, 2, 3, 4, 5].map(() => event('Busy')));
      await store.ingest([event('Quiet')]);
      const first = await store.claimDeliveries(claimInput({ concurrencyPerEndpoint: 2 }));
      expect(first.filter((d) => d.endpointId === busy.id)).toHaveLength(2);
      expect(first.filter((d) => d.endpointId === quiet.id)).toHaveLength(1);
      // Another claimer sees the same leases: still two in flight for `busy`.
      expect(await store.claimDeliveries(claimInput({ concurrencyPerEndpoint: 2, owner: 'worker-2' }))).toEqual([]);
      await store.recordDeliveryAttempts([attempt(first[0]!.id, { kind: 'delivered' })]);
      const next = await store.claimDeliveries(claimInput({ concurrencyPerEndpoint: 2, owner: 'worker-2' }));
      expect(next).toHaveLength(1);
      expect(next[0]?.endpointId).toBe(busy.id);
    });

    it.skipIf(needsActivation)(
      'never claims a delivery while an earlier one of its profile and audience is pending',
      async () => {
        const hook = await endpoint(store, ['audience.entered', 'audience.exited'], { audiences: ['recent_buyers'] });
        const recentBuyers: AudienceDefinition = {
          key: 'recent_buyers',
          name: 'Recent buyers',
          condition: { event: 'Order Completed', within: '1h' },
        };
        const { version } = await store.getDefinitions();
        await store.saveDefinition({
          kind: 'audience',
          definition: recentBuyers,
          mode: 'create',
          expectedVersion: version,
          now: Date.now(),
        });
        while ((await store.backfillStep({ now: Date.now(), limit: 100 })).remaining);
        const boughtAt = Date.now() - 1000;
        const at = new Date(boughtAt).toISOString();
        const [outcome] = await store.ingest([
          makeIncomingEvent({ timestamp: at, receivedAt: at, message: { anonymousId: 'buyer', userId: 'u-buyer' } }),
        ]);
        const dueAt = boughtAt + HOUR_MS;
        const profiles = await store.claimDue({ now: dueAt, owner: 'sched', leaseMs: 1000, limit: 10 });
        await store.reevaluate({ profileIds: profiles, owner: 'sched', now: dueAt });
        const page = await store.listDeliveries(hook.id, { limit: 10 });
        const [exited, entered] = page!.data.map((d) => JSON.parse(d.payload));
        expect(entered).toMatchObject({
          type: 'audience.entered',
          data: {
            audienceKey: 'recent_buyers',
            seq: 1,
            reason: 'event',
            profile: {
              id: outcome!.profileId,
              identifiers: expect.arrayContaining([{ type: 'userId', value: 'u-buyer' }]),
            },
          },
        });
        expect(exited).toMatchObject({ type: 'audience.exited', data: { seq: 2, reason: 'time' } });

        const now = dueAt + 1;
        const claimed = await store.claimDeliveries(claimInput({ now }));
        expect(claimed.map((d) => JSON.parse(d.payload).type)).toEqual(['audience.entered']);
        // The first fails and waits for its retry: the exit still waits behind it.
        await store.recordDeliveryAttempts([attempt(claimed[0]!.id, { kind: 'retry', at: now + 5000 })]);
        expect(await store.claimDeliveries(claimInput({ now: now + 10 }))).toEqual([]);
        const retried = await store.claimDeliveries(claimInput({ now: now + 5000 }));
        expect(retried.map((d) => [d.id, d.attemptsInRound])).toEqual([[claimed[0]!.id, 1]]);
        await store.recordDeliveryAttempts([attempt(retried[0]!.id, { kind: 'delivered' })]);
        const after = await store.claimDeliveries(claimInput({ now: now + 5001 }));
        expect(after.map((d) => JSON.parse(d.payload).type)).toEqual(['audience.exited']);
      },
    );

    it('records retries and final failures, and re-queues by retry and by replay over a time range', async () => {
      const hook = await endpoint(store, ['event.received']);
      const start = Date.now();
      await store.ingest([event('Order Completed'), event('Order Completed')]);
      const [a, b] = await store.claimDeliveries(claimInput());
      await store.recordDeliveryAttempts([attempt(a!.id, { kind: 'retry', at: start + 60_000 })]);
      await store.recordDeliveryAttempts([attempt(b!.id, { kind: 'failed' }, { statusCode: null, error: 'timeout' })]);
      const failed = await store.listDeliveries(hook.id, { limit: 10, status: 'failed' });
      expect(failed?.data.map((d) => d.id)).toEqual([b!.id]);
      expect(failed?.data[0]?.attempts).toMatchObject([{ statusCode: null, error: 'timeout' }]);
      const pending = await store.listDeliveries(hook.id, { limit: 10, status: 'pending' });
      expect(pending?.data[0]).toMatchObject({ id: a!.id, nextAttemptAt: new Date(start + 60_000).toISOString() });

      // Paging, newest first.
      const first = await store.listDeliveries(hook.id, { limit: 1 });
      const second = await store.listDeliveries(hook.id, { limit: 1, cursor: first!.nextCursor });
      expect([first!.data[0]!.id, second!.data[0]!.id]).toEqual([b!.id, a!.id]);
      expect(second!.nextCursor).toBeNull();

      expect(await store.retryDelivery({ endpointId: hook.id, deliveryId: b!.id, now: start })).toBe(true);
      expect(await store.retryDelivery({ endpointId: hook.id, deliveryId: 'msg_nope', now: start })).toBe(false);
      const again = await store.claimDeliveries(claimInput({ now: start + 1000 }));
      // The retry schedule starts over for a manual retry.
      expect(again.map((d) => [d.id, d.attemptsInRound])).toEqual([[b!.id, 0]]);
      await store.recordDeliveryAttempts([attempt(b!.id, { kind: 'failed' })]);

      // Replay: only failed deliveries created in [since, until).
      expect(
        await store.replayDeliveries({
          endpointId: hook.id,
          since: start + DAY_MS,
          until: start + 2 * DAY_MS,
          now: start,
        }),
      ).toBe(0);
      expect(
        await store.replayDeliveries({ endpointId: hook.id, since: start - 1000, until: start + DAY_MS, now: start }),
      ).toBe(1);
      expect(await store.replayDeliveries({ endpointId: 'ep_nope', since: 0, until: 1, now: start })).toBeNull();
      const replayed = await store.listDeliveries(hook.id, { limit: 10, status: 'pending' });
      expect(replayed?.data.map((d) => d.id).sort()).toEqual([a!.id, b!.id].sort());
      expect(replayed?.data.find((d) => d.id === b!.id)?.attempts).toHaveLength(2);
    });

    it('disables an endpoint on 410 and after failing for the configured time, failing what waited', async () => {
      const gone = await endpoint(store, ['event.received'], { events: ['A'] });
      const flaky = await endpoint(store, ['event.received'], { events: ['B'] });
      await store.ingest([event('A'), event('A'), event('B'), event('B')]);
      const claimed = await store.claimDeliveries(claimInput({ limit: 1, concurrencyPerEndpoint: 1 }));
      const goneDelivery = claimed.find((d) => d.endpointId === gone.id)!;
      await store.recordDeliveryAttempts([
        attempt(goneDelivery.id, { kind: 'gone', reason: 'the receiver answered 410 Gone' }),
      ]);
      expect(await store.getWebhook(gone.id)).toMatchObject({
        enabled: false,
        disabledReason: 'the receiver answered 410 Gone',
      });
      expect((await store.listDeliveries(gone.id, { limit: 10, status: 'failed' }))?.data).toHaveLength(2);

      const t0 = Date.now();
      const [b1] = await store.claimDeliveries(claimInput({ now: t0 + 1000, limit: 1 }));
      expect(b1?.endpointId).toBe(flaky.id);
      await store.recordDeliveryAttempts([attempt(b1!.id, { kind: 'retry', at: t0 + 2000 }, { at: t0 })]);
      const [b2] = await store.claimDeliveries(claimInput({ now: t0 + 2000, limit: 1 }));
      const late = t0 + 5 * DAY_MS;
      await store.recordDeliveryAttempts([attempt(b2!.id, { kind: 'retry', at: late + 1000 }, { at: late })]);
      const disabled = await store.getWebhook(flaky.id);
      expect(disabled).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('failed since') });
      expect((await store.listDeliveries(flaky.id, { limit: 10, status: 'pending' }))?.data).toEqual([]);
      expect(await store.claimDeliveries(claimInput({ now: late + 2000 }))).toEqual([]);

      // Re-enabling clears the reason and leaves replay to the operator.
      const enabled = await store.updateWebhook(flaky.id, { enabled: true }, Date.now());
      expect(enabled).toMatchObject({ enabled: true, disabledReason: null });
      expect((await store.listDeliveries(flaky.id, { limit: 10, status: 'pending' }))?.data).toEqual([]);
    });

    it('keeps a success from disabling: the failing streak restarts after a delivered attempt', async () => {
      const hook = await endpoint(store, ['event.received']);
      await store.ingest([event('A'), event('B')]);
      const t0 = Date.now();
      const [a, b] = await store.claimDeliveries(claimInput({ now: t0 + 1000 }));
      // Several attempts in one call, applied in order.
      await store.recordDeliveryAttempts([
        attempt(a!.id, { kind: 'failed' }, { at: t0 }),
        attempt(b!.id, { kind: 'delivered' }, { at: t0 + DAY_MS }),
      ]);
      // Health: the failure, then the success that ended the streak.
      expect((await store.getWebhook(hook.id))?.health).toEqual({
        lastSuccessAt: new Date(t0 + DAY_MS).toISOString(),
        lastFailureAt: new Date(t0).toISOString(),
        failingSince: null,
      });
      await store.ingest([event('C')]);
      const [c] = await store.claimDeliveries(claimInput({ now: t0 + 6 * DAY_MS }));
      await store.recordDeliveryAttempts([attempt(c!.id, { kind: 'failed' }, { at: t0 + 6 * DAY_MS })]);
      expect(await store.getWebhook(hook.id)).toMatchObject({
        enabled: true,
        health: {
          lastSuccessAt: new Date(t0 + DAY_MS).toISOString(),
          lastFailureAt: new Date(t0 + 6 * DAY_MS).toISOString(),
          failingSince: new Date(t0 + 6 * DAY_MS).toISOString(),
        },
      });
    });

    it('signs with every secret during a rotation overlap, then with the new one only', async () => {
      const hook = await endpoint(store, ['event.received'], null, 'whsec_OLD');
      const now = Date.now();
      expect(await store.rotateWebhookSecret({ id: hook.id, secret: 'whsec_NEW', now, overlapMs: DAY_MS })).toBe(true);
      expect(await store.rotateWebhookSecret({ id: 'ep_nope', secret: 'x', now, overlapMs: DAY_MS })).toBe(false);
      await store.ingest([event('A'), event('B')]);
      const [during] = await store.claimDeliveries(claimInput({ now: now + DAY_MS - 1, limit: 1 }));
      expect(during?.secrets).toEqual(['whsec_NEW', 'whsec_OLD']);
      const [after] = await store.claimDeliveries(claimInput({ now: now + DAY_MS, limit: 1 }));
      expect(after?.secrets).toEqual(['whsec_NEW']);
    });

    it('queues a test ping for one endpoint whatever it subscribes to', async () => {
      const hook = await endpoint(store, ['profile.erased']);
      const id = await store.enqueueWebhook({ endpointId: hook.id, type: 'webhook.test', data: { ok: true }, now: 0 });
      expect(id).toMatch(/^msg_/);
      expect(await store.enqueueWebhook({ endpointId: 'ep_nope', type: 'webhook.test', data: {}, now: 0 })).toBeNull();
      const [delivery] = (await store.listDeliveries(hook.id, { limit: 10 }))!.data;
      expect(JSON.parse(delivery!.payload)).toEqual({
        type: 'webhook.test',
        timestamp: '1970-01-01T00:00:00.000Z',
        data: { ok: true },
      });
    });

    it('deletes an endpoint with its deliveries', async () => {
      const hook = await endpoint(store, ['event.received']);
      await store.ingest([event('A')]);
      await store.deleteWebhook(hook.id);
      expect(await store.claimDeliveries(claimInput())).toEqual([]);
      expect(await store.nextDeliveryAt()).toBeNull();
    });
  });
}
