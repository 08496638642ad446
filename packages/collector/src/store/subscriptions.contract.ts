/**
 * The subscription half of the Store port's behaviour, written once for every
 * implementation. Usage, in an implementation's test file:
 * `describeSubscriptionsContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import type { SubscriptionStatus } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SubscriptionChange } from '../subscriptions/model.js';
import { makeIncomingEvent, type StoreFactory } from './store.contract.js';
import type { Store } from './store.js';

const at = (second: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, second)).toISOString();
const RECORDED = '2026-11-20T12:00:00.000Z';

function change(
  status: SubscriptionStatus,
  second: number,
  extra: Partial<SubscriptionChange> = {},
): SubscriptionChange {
  return {
    channel: 'email',
    address: 'ada@x.io',
    topic: null,
    status,
    source: 'api',
    at: at(second),
    proof: null,
    ...extra,
  };
}

export function describeSubscriptionsContract(name: string, open: StoreFactory): void {
  describe(`Store subscriptions contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps states per (channel, address, topic) and every applied change in the history', async () => {
      const outcomes = await store.changeSubscriptions(
        [
          change('subscribed', 0, { proof: { ip: '198.51.100.1' } }),
          change('subscribed', 1, { topic: 'offers' }),
          change('unsubscribed', 2, { channel: 'sms', address: '+33612345678' }),
          change('subscribed', 3),
        ],
        RECORDED,
      );
      expect(outcomes).toEqual([
        { applied: true, skipped: null },
        { applied: true, skipped: null },
        { applied: true, skipped: null },
        { applied: false, skipped: 'unchanged' },
      ]);
      expect(
        await store.getSubscriptions([
          { channel: 'email', address: 'ada@x.io' },
          { channel: 'push', address: 'nobody' },
        ]),
      ).toEqual([
        {
          channel: 'email',
          address: 'ada@x.io',
          status: 'subscribed',
          since: at(0),
          source: 'api',
          proof: { ip: '198.51.100.1' },
          topics: { offers: { status: 'subscribed', since: at(1), source: 'api' } },
        },
      ]);
      expect(await store.getSubscriptionHistory({ channel: 'email', address: 'ada@x.io' })).toEqual([
        {
          topic: null,
          status: 'subscribed',
          previous: 'none',
          source: 'api',
          at: at(0),
          recordedAt: RECORDED,
          proof: { ip: '198.51.100.1' },
        },
        {
          topic: 'offers',
          status: 'subscribed',
          previous: 'none',
          source: 'api',
          at: at(1),
          recordedAt: RECORDED,
          proof: null,
        },
      ]);
    });

    it('applies the conflict rule: latest wins, but an unsubscribe within the window beats a later subscribe', async () => {
      await store.changeSubscriptions([change('subscribed', 30)], RECORDED);
      expect(await store.changeSubscriptions([change('unsubscribed', 5)], RECORDED)).toEqual([
        { applied: false, skipped: 'stale' },
      ]);
      expect(await store.changeSubscriptions([change('unsubscribed', 25)], RECORDED)).toEqual([
        { applied: true, skipped: null },
      ]);
      expect(await store.changeSubscriptions([change('subscribed', 35)], RECORDED)).toEqual([
        { applied: false, skipped: 'stale' },
      ]);
      const [facts] = await store.readSubscriptionFacts([{ channel: 'email', address: 'ada@x.io', topic: 'offers' }]);
      expect(facts).toEqual({
        erased: false,
        channel: { status: 'unsubscribed', since: at(25), source: 'api' },
        topic: null,
      });
    });

    it('applies messaging_subscriptions of an identify in its transaction and writes timeline events', async () => {
      const identify = makeIncomingEvent({
        timestamp: at(40),
        message: {
          type: 'identify',
          userId: 'u-1',
          traits: { email: 'Ada@X.io' },
          context: { messaging_subscriptions: [{ key: 'ada@x.io', type: 'EMAIL', status: 'UNSUBSCRIBED' }] },
        },
      });
      const [outcome] = await store.ingest([identify]);
      expect(outcome?.status).toBe('stored');
      const [facts] = await store.readSubscriptionFacts([{ channel: 'email', address: 'ada@x.io', topic: null }]);
      expect(facts?.channel).toEqual({ status: 'unsubscribed', since: at(40), source: 'sdk' });
      const timeline = await store.listProfileEvents({ type: 'userId', value: 'u-1' }, { limit: 10 });
      expect(timeline?.data.map((e) => [e.source, e.type])).toEqual([
        ['exhaust', 'track'],
        [identify.source, 'identify'],
      ]);
      expect(timeline?.data[0]?.message).toMatchObject({ event: 'Unsubscribed', timestamp: at(40) });
      // A later change from elsewhere lands on the same profile's timeline.
      await store.changeSubscriptions([change('subscribed', 50 + 60)], RECORDED);
      const after = await store.listProfileEvents({ type: 'userId', value: 'u-1' }, { limit: 10 });
      expect(after?.data[0]?.message).toMatchObject({
        event: 'Subscribed',
        properties: {
          channel: 'email',
          address: 'ada@x.io',
          status: 'subscribed',
          previousStatus: 'unsubscribed',
          source: 'api',
        },
      });
    });

    it('keeps states through merge and unmerge, and erases them (with contact suppression) with the person', async () => {
      await store.ingest([
        makeIncomingEvent({ message: { type: 'identify', userId: 'a', traits: { email: 'a@x.io' } } }),
        makeIncomingEvent({
          message: { type: 'identify', userId: 'b', traits: { email: 'b@x.io', phone: '+33612345678' } },
        }),
      ]);
      await store.changeSubscriptions(
        [
          change('unsubscribed', 0, { address: 'a@x.io' }),
          change('subscribed', 0, { address: 'b@x.io' }),
          change('subscribed', 0, { channel: 'whatsapp', address: '+33612345678' }),
        ],
        RECORDED,
      );
      const keys = [
        { channel: 'email' as const, address: 'a@x.io' },
        { channel: 'email' as const, address: 'b@x.io' },
      ];
      const before = await store.getSubscriptions(keys);
      await store.merge({ type: 'userId', value: 'b' }, { type: 'userId', value: 'a' });
      expect(await store.getSubscriptions(keys)).toEqual(before);
      await store.unmerge({ type: 'userId', value: 'b' });
      expect(await store.getSubscriptions(keys)).toEqual(before);

      const erased = await store.erase({ type: 'userId', value: 'b' }, { suppress: false });
      expect(erased).toMatchObject({ suppressed: 0, subscriptions: 4, contactSuppressed: 2 });
      expect(await store.getSubscriptions(keys)).toEqual([before[0]]);
      expect(await store.getSubscriptionHistory({ channel: 'whatsapp', address: '+33612345678' })).toEqual([]);
      const facts = await store.readSubscriptionFacts([
        { channel: 'email', address: 'b@x.io', topic: null },
        { channel: 'sms', address: '+33612345678', topic: null },
        { channel: 'email', address: 'a@x.io', topic: null },
      ]);
      expect(facts.map((f) => f.erased)).toEqual([true, true, false]);
      expect(await store.changeSubscriptions([change('subscribed', 9, { address: 'b@x.io' })], RECORDED)).toEqual([
        { applied: false, skipped: 'erased' },
      ]);

      const kept = await store.erase({ type: 'userId', value: 'a' }, { suppress: false, suppressContact: false });
      expect(kept).toMatchObject({ subscriptions: 2, contactSuppressed: 0 });
      expect((await store.readSubscriptionFacts([{ channel: 'email', address: 'a@x.io', topic: null }]))[0]).toEqual({
        erased: false,
        channel: null,
        topic: null,
      });
    });

    it('lists states in key order, filtered, a page at a time', async () => {
      const changes = ['c', 'a', 'b', 'd'].flatMap((letter) => [
        change(letter === 'd' ? 'subscribed' : 'unsubscribed', 0, { address: `${letter}@x.io` }),
        change('unsubscribed', 0, { address: `${letter}@x.io`, topic: 'offers' }),
      ]);
      await store.changeSubscriptions(
        [...changes, change('unsubscribed', 0, { channel: 'sms', address: '+33600000000' })],
        RECORDED,
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listSubscriptions({ channel: 'email', status: 'unsubscribed', limit: 2, cursor });
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((row) => `${row.address}/${row.topic ?? ''}`));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([
        'a@x.io/',
        'a@x.io/offers',
        'b@x.io/',
        'b@x.io/offers',
        'c@x.io/',
        'c@x.io/offers',
        'd@x.io/offers',
      ]);
      await expect(store.listSubscriptions({ limit: 2, cursor: 'bm90LW91cnM' })).rejects.toMatchObject({
        code: 'invalid_cursor',
      });
    });

    it('keeps sender keys apart from admin keys', async () => {
      const key = { id: 'key_sender_1', hash: 'sender'.padEnd(64, '0'), hint: 'sk_…0000', createdAt: RECORDED };
      expect(await store.addKey({ kind: 'sender' }, key)).toMatchObject({ id: key.id, revokedAt: null });
      expect((await store.listSenderKeys()).map((k) => k.id)).toEqual([key.id]);
      expect((await store.listAdminKeys()).map((k) => k.id)).not.toContain(key.id);
      expect((await store.getAccessSnapshot(null))?.keys).toContainEqual({ hash: key.hash, owner: { kind: 'sender' } });
      expect(await store.revokeKey({ kind: 'admin' }, key.id, RECORDED)).toBeNull();
      expect(await store.revokeKey({ kind: 'sender' }, key.id, RECORDED)).toMatchObject({ revokedAt: RECORDED });
      expect((await store.getAccessSnapshot(null))?.keys).not.toContainEqual({
        hash: key.hash,
        owner: { kind: 'sender' },
      });
    });
  });
}
