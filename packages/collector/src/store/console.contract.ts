/**
 * The Store operations behind the operator console (recent rejections, the
 * live stream's cursor reads, a message's trace, overview counts, profile
 * search, consent history), written once for every implementation.
 * Usage: `describeConsoleContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import type { RecentRejection } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeIncomingEvent, type StoreFactory } from './store.contract.js';
import { MAX_RECENT_REJECTIONS, type Store } from './store.js';

const rejection = (n: number, extra: Partial<RecentRejection> = {}): RecentRejection => ({
  source: 'web',
  messageId: `bad-${n}`,
  code: 'invalid_field',
  path: ['properties', n],
  message: 'Invalid input',
  at: new Date(Date.UTC(2026, 10, 25, 10, 0, 0, n)).toISOString(),
  ...extra,
});

export function describeConsoleContract(name: string, open: StoreFactory): void {
  describe(`Store console contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('remembers rejections newest first and keeps only the newest MAX_RECENT_REJECTIONS', async () => {
      await store.recordRejections([rejection(1, { messageId: null, path: [] })]);
      await store.recordRejections(Array.from({ length: MAX_RECENT_REJECTIONS }, (_, i) => rejection(i + 2)));
      const newest = await store.listRejections(3);
      expect(newest.map((r) => r.messageId)).toEqual([
        `bad-${MAX_RECENT_REJECTIONS + 1}`,
        `bad-${MAX_RECENT_REJECTIONS}`,
        `bad-${MAX_RECENT_REJECTIONS - 1}`,
      ]);
      expect(newest[0]).toEqual(rejection(MAX_RECENT_REJECTIONS + 1));
      const all = await store.listRejections(MAX_RECENT_REJECTIONS + 10);
      expect(all).toHaveLength(MAX_RECENT_REJECTIONS);
      expect(all.at(-1)?.messageId).toBe('bad-2');
    });

    it('reads events after a cursor, oldest first, filtered, and resumes past what it looked at', async () => {
      await store.ingest([makeIncomingEvent()]);
      const start = await store.readEventsAfter({ after: null, limit: 10 });
      expect(start.data).toEqual([]);
      const page = makeIncomingEvent({ message: { type: 'page', name: 'Home' } });
      const order = makeIncomingEvent({ source: 'api', message: { event: 'Order Completed' } });
      const signup = makeIncomingEvent({ message: { event: 'Signed Up' } });
      await store.ingest([page, order]);
      await store.ingest([signup]);
      const all = await store.readEventsAfter({ after: start.cursor, limit: 10 });
      expect(all.data.map((e) => e.messageId)).toEqual([page.messageId, order.messageId, signup.messageId]);
      expect(all.data[1]).toMatchObject({ source: 'api', type: 'track', message: { event: 'Order Completed' } });
      expect((await store.readEventsAfter({ after: all.cursor, limit: 10 })).data).toEqual([]);

      const firstTwo = await store.readEventsAfter({ after: start.cursor, limit: 2 });
      expect(firstTwo.data.map((e) => e.messageId)).toEqual([page.messageId, order.messageId]);
      expect(firstTwo.cursor).toBe(firstTwo.data[1]?.cursor);
      const rest = await store.readEventsAfter({ after: firstTwo.cursor, limit: 2 });
      expect(rest.data.map((e) => e.messageId)).toEqual([signup.messageId]);

      const q = { after: start.cursor, limit: 10 };
      const ids = async (filter: object) =>
        (await store.readEventsAfter({ ...q, ...filter })).data.map((e) => e.messageId);
      expect(await ids({ type: 'page' })).toEqual([page.messageId]);
      expect(await ids({ event: 'Signed Up' })).toEqual([signup.messageId]);
      expect(await ids({ source: 'api' })).toEqual([order.messageId]);
      // Nothing matched, yet the cursor moved past the rows looked at.
      const none = await store.readEventsAfter({ ...q, event: 'Nothing' });
      expect(none.data).toEqual([]);
      expect(none.cursor).toBe(all.cursor);
    });

    it('traces a messageId: stored, a duplicate, suppressed, erased, rejected or unknown', async () => {
      const stored = makeIncomingEvent();
      await store.ingest([stored]);
      await store.ingest([stored]);
      const storedTrace = await store.traceMessage(stored.messageId);
      expect(storedTrace.event?.messageId).toBe(stored.messageId);
      expect(storedTrace.seen).toBe(true);
      expect(storedTrace.decisions).toEqual([
        { source: 'web', code: 'duplicate_message_id', detail: null, at: stored.receivedAt },
      ]);

      const ada = makeIncomingEvent({
        message: { type: 'identify', userId: 'u-ada', traits: { email: 'ada@example.com' }, anonymousId: 'anon-ada' },
      });
      await store.ingest([ada]);
      await store.erase({ type: 'userId', value: 'u-ada' }, { suppress: true });
      const erased = await store.traceMessage(ada.messageId);
      expect(erased).toEqual({ event: null, seen: true, decisions: [], rejections: [] });
      await store.ingest([ada]);
      const replayed = await store.traceMessage(ada.messageId);
      expect(replayed.decisions.map((d) => d.code)).toEqual(['duplicate_message_id']);

      // A suppressed message keeps no warning that could name the erased person (here: a blocked value).
      const suppressed = makeIncomingEvent({
        message: { type: 'identify', userId: 'u-ada', anonymousId: 'anon-new', traits: { email: 'not-an-email' } },
      });
      const [outcome] = await store.ingest([suppressed]);
      expect(outcome?.status).toBe('suppressed');
      const suppressedTrace = await store.traceMessage(suppressed.messageId);
      expect(suppressedTrace.event).toBeNull();
      expect(suppressedTrace.decisions.map((d) => d.code)).toEqual(['suppressed']);
      expect(JSON.stringify(suppressedTrace)).not.toMatch(/u-ada|ada@example|not-an-email|anon-/);

      await store.recordRejections([rejection(7, { messageId: 'rejected-1' })]);
      expect(await store.traceMessage('rejected-1')).toEqual({
        event: null,
        seen: false,
        decisions: [],
        rejections: [rejection(7, { messageId: 'rejected-1' })],
      });
      expect(await store.traceMessage('never-sent')).toEqual({
        event: null,
        seen: false,
        decisions: [],
        rejections: [],
      });
    });

    it('counts events per received minute since a time, and the totals', async () => {
      const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 25, 10, minute, second)).toISOString();
      await store.ingest([makeIncomingEvent({ receivedAt: at(0) })]);
      await store.ingest([makeIncomingEvent({ receivedAt: at(1, 5) }), makeIncomingEvent({ receivedAt: at(1, 50) })]);
      await store.ingest([makeIncomingEvent({ receivedAt: at(3), message: { anonymousId: 'other' } })]);
      await store.ingest([
        makeIncomingEvent({ receivedAt: at(3, 1), message: { type: 'identify', userId: 'u-1', anonymousId: 'x' } }),
      ]);
      expect(await store.countEventsPerMinute(at(1))).toEqual({ '2026-11-25T10:01': 2, '2026-11-25T10:03': 2 });
      expect(await store.countEventsPerMinute(at(0))).toMatchObject({ '2026-11-25T10:00': 1 });
      expect(await store.countEventsPerMinute(at(4))).toEqual({});
      expect(await store.getTotals()).toEqual({ events: 5, profiles: 3, identifiedProfiles: 1 });
    });

    it('summarizes warnings per code since a time, and each source with its last event', async () => {
      const first = makeIncomingEvent({ receivedAt: '2026-11-25T09:00:00.000Z' });
      await store.ingest([first]);
      await store.ingest([first]);
      const later = makeIncomingEvent({ receivedAt: '2026-11-25T10:00:00.000Z', source: 'api' });
      await store.ingest([later, later, { ...first, receivedAt: later.receivedAt }]);
      expect(await store.summarizeWarnings('2026-11-25T09:30:00.000Z')).toEqual([
        { code: 'duplicate_message_id', count: 2, lastAt: later.receivedAt },
      ]);
      expect(await store.summarizeWarnings('2026-11-25T08:00:00.000Z')).toEqual([
        { code: 'duplicate_message_id', count: 3, lastAt: later.receivedAt },
      ]);
      const last = await store.lastEventPerSource();
      expect(last.sort((a, b) => a.source.localeCompare(b.source))).toEqual([
        { source: 'api', messageId: later.messageId, type: 'track', receivedAt: later.receivedAt },
        { source: 'web', messageId: first.messageId, type: 'track', receivedAt: first.receivedAt },
      ]);
    });

    it('finds profiles by id, type:value, identifier value or prefix and trait value; not erased ones', async () => {
      const [ada] = await store.ingest([
        makeIncomingEvent({
          message: {
            type: 'identify',
            userId: 'u-ada',
            anonymousId: 'anon-ada',
            traits: { email: 'Ada@Example.com', plan: 'pro_plus', seats: 12 },
          },
        }),
      ]);
      const [grace] = await store.ingest([
        makeIncomingEvent({ message: { type: 'identify', userId: 'u-grace', anonymousId: 'anon-grace' } }),
      ]);
      const ids = async (q: string) => (await store.searchProfiles(q, 10)).map((p) => p.id);
      expect(await ids(ada!.profileId!)).toEqual([ada!.profileId]);
      expect(await ids('email:ada@example.com')).toEqual([ada!.profileId]);
      expect(await ids('ada@example.com')).toEqual([ada!.profileId]);
      expect(await ids('u-')).toEqual([grace!.profileId, ada!.profileId]);
      expect(await ids('pro_plus')).toEqual([ada!.profileId]);
      // `_` is a literal, not LIKE's any-character.
      expect(await ids('pro_p')).toEqual([ada!.profileId]);
      expect(await ids('pro%')).toEqual([]);
      expect(await ids('12')).toEqual([ada!.profileId]);
      expect(await store.searchProfiles('u-', 1)).toHaveLength(1);
      expect(await ids('nobody')).toEqual([]);
      expect(await ids('  ')).toEqual([]);
      await store.erase({ id: ada!.profileId! }, { suppress: false });
      expect(await ids('ada@example.com')).toEqual([]);
    });

    it('lists the consent history of the merged profile, oldest first', async () => {
      const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 10, minute)).toISOString();
      const consent = (prefs: Record<string, boolean>, anonymousId: string, minute: number, userId?: string) =>
        makeIncomingEvent({
          timestamp: at(minute),
          message: { type: 'identify', anonymousId, userId, context: { consent: { categoryPreferences: prefs } } },
        });
      const grant = consent({ ads: true }, 'a', 1);
      const deny = consent({ ads: false, analytics: true }, 'b', 2, 'u-1');
      await store.ingest([grant, deny]);
      await store.ingest([makeIncomingEvent({ message: { type: 'identify', anonymousId: 'a', userId: 'u-1' } })]);
      expect(await store.listConsentHistory({ type: 'userId', value: 'u-1' })).toEqual([
        { category: 'ads', granted: true, at: at(1), messageId: grant.messageId },
        { category: 'ads', granted: false, at: at(2), messageId: deny.messageId },
        { category: 'analytics', granted: true, at: at(2), messageId: deny.messageId },
      ]);
      expect(await store.listConsentHistory({ id: 'p_unknown' })).toBeNull();
      expect((await store.describe()).kind).toMatch(/^[a-z]+$/);
    });
  });
}
