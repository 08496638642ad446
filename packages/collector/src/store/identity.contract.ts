/**
 * The identity half of the Store port's behaviour, written once for every
 * implementation (SQLite today, PostgreSQL later). Usage, in an
 * implementation's test file:
 * `describeIdentityContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeIncomingEvent, type StoreFactory } from './store.contract.js';
import type { IncomingEvent, Store } from './store.js';

/** How an erased identifier may still appear: `type:sha256:<hex of sha-256 of "type:value">`. */
const hashed = (type: string, value: string) =>
  `${type}:sha256:${createHash('sha256').update(`${type}:${value}`).digest('hex')}`;

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();

/** An event with these message fields at `minute` past 10:00. */
function event(message: Record<string, unknown>, minute = 0): IncomingEvent {
  const { anonymousId, ...rest } = message;
  return makeIncomingEvent({
    timestamp: at(minute),
    // makeIncomingEvent defaults anonymousId; an explicit undefined leaves it out.
    message: { anonymousId: anonymousId ?? null, ...rest },
  });
}

export function describeIdentityContract(name: string, open: StoreFactory): void {
  describe(`Store identity contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('attaches events to one profile per identifier and answers it in outcomes and getEvent', async () => {
      const first = event({ type: 'page', anonymousId: 'a' });
      const [outcome] = await store.ingest([first, event({ type: 'track', event: 'x', anonymousId: 'a' })]);
      expect(outcome).toEqual({ status: 'stored', profileId: expect.stringMatching(/^[^:]+$/), warnings: [] });
      const profile = await store.getProfile({ type: 'anonymousId', value: ' a ' });
      expect(profile).toMatchObject({ id: outcome!.profileId, eventCount: 2, holdingFor: null });
      expect((await store.getEvent(first.messageId))?.profileId).toBe(profile!.id);
      expect(await store.getProfile({ id: profile!.id })).toEqual(profile);
      expect(await store.getProfile({ type: 'anonymousId', value: 'nobody' })).toBeNull();
      expect(await store.getProfile({ id: 'p_unknown' })).toBeNull();
    });

    it('merges into the oldest profile; the merged-away id and identifiers resolve to it', async () => {
      const [older] = await store.ingest([event({ type: 'page', anonymousId: 'a' })]);
      const [younger] = await store.ingest([event({ type: 'page', anonymousId: 'b' })]);
      await store.ingest([event({ type: 'identify', userId: 'u', anonymousId: 'a' })]);
      const login = event({ type: 'identify', userId: 'u', anonymousId: 'b' });
      const [merged] = await store.ingest([login]);
      expect(merged!.profileId).toBe(older!.profileId);
      expect((await store.getProfile({ id: younger!.profileId! }))?.id).toBe(older!.profileId);
      expect(await store.listMerges({ type: 'userId', value: 'u' })).toEqual([
        expect.objectContaining({
          survivor: older!.profileId,
          merged: younger!.profileId,
          messageId: login.messageId,
          reason: 'event',
          active: true,
        }),
      ]);
      const page = await store.listProfileEvents({ type: 'anonymousId', value: 'b' }, { limit: 3 });
      expect(page?.data).toHaveLength(3);
      expect(page?.nextCursor).not.toBeNull();
      const rest = await store.listProfileEvents(
        { type: 'anonymousId', value: 'b' },
        { limit: 3, cursor: page!.nextCursor },
      );
      expect(rest).toMatchObject({ data: [expect.anything()], nextCursor: null });
      expect((await store.listProfiles({ limit: 10 })).data).toHaveLength(1);
    });

    it('never merges two userIds by an event; the bridge is contested and then held', async () => {
      await store.ingest([event({ type: 'identify', userId: 'u-1', anonymousId: 'shared' })]);
      const [bridge] = await store.ingest([event({ type: 'identify', userId: 'u-2', anonymousId: 'shared' })]);
      expect(bridge!.warnings).toEqual([{ code: 'identifier_contested', detail: 'anonymousId:shared' }]);
      const [held] = await store.ingest([event({ type: 'page', anonymousId: 'shared' })]);
      const holding = await store.getProfile({ id: held!.profileId! });
      expect(holding).toMatchObject({ holdingFor: 'anonymousId:shared', identifiers: [] });
      const one = await store.getProfile({ type: 'userId', value: 'u-1' });
      expect(new Set([one!.id, bridge!.profileId, held!.profileId]).size).toBe(3);
      // An operator may decide the held events were u-1's after all; later ones follow.
      await store.merge({ id: held!.profileId! }, { type: 'userId', value: 'u-1' });
      const [after] = await store.ingest([event({ type: 'page', anonymousId: 'shared' })]);
      expect(after!.profileId).toBe(one!.id);
      expect((await store.getProfile({ id: one!.id }))?.eventCount).toBe(3);
    });

    it('resolves traits by event time across fragments, whichever profile survives', async () => {
      await store.ingest([event({ type: 'identify', anonymousId: 'a', traits: { plan: 'old', x: 1 } }, 1)]);
      await store.ingest([event({ type: 'identify', userId: 'u', traits: { plan: 'new', x: null } }, 9)]);
      await store.ingest([event({ type: 'identify', userId: 'u', anonymousId: 'a' }, 5)]);
      const profile = await store.getProfile({ type: 'userId', value: 'u' });
      expect(profile?.traits).toEqual({ plan: 'new' });
      expect(profile?.traitTimestamps).toEqual({ plan: at(9) });
    });

    it('forced merge then unmerge restores both profiles exactly', async () => {
      await store.ingest([
        event(
          {
            type: 'identify',
            userId: 'u-1',
            traits: { a: 1 },
            context: { consent: { categoryPreferences: { ads: true } } },
          },
          1,
        ),
        event({ type: 'identify', userId: 'u-2', anonymousId: 'b', traits: { a: 2 } }, 2),
      ]);
      const one = await store.getProfile({ type: 'userId', value: 'u-1' });
      const two = await store.getProfile({ type: 'userId', value: 'u-2' });
      expect(await store.merge({ type: 'userId', value: 'u-1' }, { type: 'userId', value: 'u-2' })).toEqual({
        survivor: two!.id,
        merged: one!.id,
        alreadyMerged: false,
      });
      expect((await store.getProfile({ type: 'userId', value: 'u-1' }))?.id).toBe(two!.id);
      // Repeating it (either direction) finds one profile: nothing merged, nothing recorded.
      const history = await store.listMerges({ id: two!.id });
      expect(await store.merge({ type: 'userId', value: 'u-1' }, { type: 'userId', value: 'u-2' })).toEqual({
        survivor: two!.id,
        merged: null,
        alreadyMerged: true,
      });
      expect(await store.merge({ id: two!.id }, { id: one!.id })).toEqual({
        survivor: two!.id,
        merged: null,
        alreadyMerged: true,
      });
      expect(await store.listMerges({ id: two!.id })).toEqual(history);
      expect(await store.merge({ type: 'userId', value: 'nobody' }, { id: two!.id })).toBeNull();
      expect(await store.unmerge({ type: 'userId', value: 'u-1' })).toEqual({ detached: one!.id, from: two!.id });
      expect(await store.getProfile({ id: one!.id })).toEqual(one);
      expect(await store.getProfile({ id: two!.id })).toEqual(two);
      expect(await store.unmerge({ type: 'userId', value: 'u-1' })).toBe('not_merged');
      expect(await store.unmerge({ type: 'userId', value: 'nobody' })).toBeNull();
    });

    it('erases the whole component, suppresses its identifiers, and keeps dedupe', async () => {
      const events = [
        event({ type: 'page', anonymousId: 'a', context: { consent: { categoryPreferences: { ads: false } } } }),
        event({ type: 'identify', userId: 'u', anonymousId: 'a', traits: { email: 'ada@x.io' } }),
        event({ type: 'page', anonymousId: 'b' }),
        event({ type: 'identify', userId: 'u', anonymousId: 'b' }),
      ];
      await store.ingest(events);
      const result = await store.erase({ type: 'email', value: 'ADA@x.io' }, { suppress: true });
      expect(result).toEqual({
        deletionId: expect.any(String),
        profiles: 2,
        identifiers: 4,
        events: 4,
        traitWrites: 1,
        consentRecords: 1,
        merges: 1,
        suppressed: 4,
        subscriptions: 0,
        // Contact suppression is on by default: the email can never be subscribed again.
        contactSuppressed: 1,
      });
      for (const e of events) expect(await store.getEvent(e.messageId)).toBeNull();
      expect((await store.ingest(events)).map((o) => o.status)).toEqual(Array(4).fill('duplicate'));
      const [later] = await store.ingest([event({ type: 'track', event: 'x', anonymousId: 'b' })]);
      expect(later).toMatchObject({ status: 'suppressed', profileId: null, warnings: [{ code: 'suppressed' }] });
      expect(await store.erase({ type: 'userId', value: 'u' }, { suppress: false })).toBeNull();
      expect((await store.listProfiles({ limit: 10 })).data).toEqual([]);
    });

    it('filters events by profile: every fragment of the merged profile, newest first, across pages', async () => {
      await store.ingest([event({ type: 'page', anonymousId: 'laptop' }, 1)]);
      await store.ingest([event({ type: 'page', anonymousId: 'phone' }, 2)]);
      await store.ingest([event({ type: 'page', anonymousId: 'someone-else' }, 3)]);
      await store.ingest([event({ type: 'identify', userId: 'u', anonymousId: 'laptop' }, 4)]);
      await store.ingest([event({ type: 'identify', userId: 'u', anonymousId: 'phone' }, 5)]);
      await store.ingest([event({ type: 'track', event: 'x', anonymousId: 'phone' }, 6)]);
      const profile = await store.getProfile({ type: 'userId', value: 'u' });
      const timeline = await store.listProfileEvents({ id: profile!.id }, { limit: 100 });
      expect(timeline!.data).toHaveLength(5);
      for (const limit of [1, 2, 100]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.listEvents({ limit, cursor, profile: { type: 'anonymousId', value: 'laptop' } });
          seen.push(...page.data.map((e) => e.messageId));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(timeline!.data.map((e) => e.messageId));
      }
      const tracks = await store.listEvents({ limit: 10, profile: { id: profile!.id }, type: 'track' });
      expect(tracks.data.map((e) => e.message.anonymousId)).toEqual(['phone']);
      expect(await store.listEvents({ limit: 10, profile: { type: 'userId', value: 'nobody' } })).toEqual({
        data: [],
        nextCursor: null,
      });
    });

    it('erasure leaves a held identifier only hashed: holding profile, its events and trait writes', async () => {
      await store.ingest([event({ type: 'identify', userId: 'u-1', anonymousId: 'shared' })]);
      const other = event({ type: 'identify', userId: 'u-2', anonymousId: 'shared' });
      await store.ingest([other]);
      // Held: its only identifier is contested. The value also sits in a trait, padded.
      const held = event({ type: 'identify', anonymousId: 'shared', traits: { name: 'Kid', note: ' shared ' } });
      const [outcome] = await store.ingest([held]);
      const holdingId = outcome!.profileId!;
      expect((await store.getProfile({ id: holdingId }))?.holdingFor).toBe('anonymousId:shared');

      await store.erase({ type: 'userId', value: 'u-1' }, { suppress: true });
      const holding = await store.getProfile({ id: holdingId });
      expect(holding).toMatchObject({ holdingFor: hashed('anonymousId', 'shared'), eventCount: 1 });
      expect(holding!.traits).toEqual({ name: 'Kid', note: hashed('anonymousId', 'shared') });
      const stored = await store.getEvent(held.messageId);
      expect(stored?.profileId).toBe(holdingId);
      expect(stored?.message).toMatchObject({
        anonymousId: hashed('anonymousId', 'shared'),
        traits: { name: 'Kid', note: hashed('anonymousId', 'shared') },
      });
      expect(JSON.stringify(stored)).not.toContain('"shared"');
      // The other person's own events keep the value: it was their identifier too.
      const left = await store.listEvents({ limit: 10, anonymousId: 'shared' });
      expect(left.data.map((e) => e.messageId)).toEqual([other.messageId]);
      expect((await store.getProfile({ type: 'userId', value: 'u-2' }))?.eventCount).toBe(1);
    });

    it('a second erasure of the same held identifier keeps both holding profiles apart', async () => {
      const contest = async (one: string, two: string) => {
        await store.ingest([event({ type: 'identify', userId: one, anonymousId: 'kiosk' })]);
        await store.ingest([event({ type: 'identify', userId: two, anonymousId: 'kiosk' })]);
        const [held] = await store.ingest([event({ type: 'page', anonymousId: 'kiosk' })]);
        return held!.profileId!;
      };
      const first = await contest('u-1', 'u-2');
      await store.erase({ type: 'userId', value: 'u-1' }, { suppress: false });
      // Not suppressed: the identifier comes back with a new owner, is contested again, and held apart.
      const second = await contest('u-3', 'u-4');
      expect(second).not.toBe(first);
      await store.erase({ type: 'userId', value: 'u-3' }, { suppress: false });
      expect((await store.getProfile({ id: first }))?.holdingFor).toBe(hashed('anonymousId', 'kiosk'));
      expect((await store.getProfile({ id: second }))?.holdingFor).toBe(`${hashed('anonymousId', 'kiosk')}:2`);
    });

    it('lists deletions newest first with counts, time and drops, never identifiers', async () => {
      expect(await store.listDeletions({ limit: 10 })).toEqual({ data: [], nextCursor: null });
      const deletionIds: string[] = [];
      for (const userId of ['zoe@x.io', 'bob', 'cy']) {
        await store.ingest([event({ type: 'identify', userId, anonymousId: `a-${userId}` })]);
        const result = await store.erase({ type: 'userId', value: userId }, { suppress: userId !== 'cy' });
        deletionIds.push(result!.deletionId);
      }
      const dropped = await store.ingest([
        event({ type: 'page', anonymousId: 'a-bob' }),
        event({ type: 'page', userId: 'bob' }),
        event({ type: 'page', anonymousId: 'a-zoe@x.io' }),
      ]);
      expect(dropped.map((o) => o.status)).toEqual(['suppressed', 'suppressed', 'suppressed']);
      const first = await store.listDeletions({ limit: 2 });
      expect(first.data).toEqual([
        {
          deletionId: deletionIds[2],
          at: expect.any(String),
          profiles: 1,
          identifiers: 2,
          events: 1,
          traitWrites: 0,
          consentRecords: 0,
          merges: 0,
          suppressed: 0,
          subscriptions: 0,
          contactSuppressed: 0,
          droppedEvents: 0,
        },
        expect.objectContaining({ deletionId: deletionIds[1], suppressed: 2, droppedEvents: 2 }),
      ]);
      expect(Number.isNaN(Date.parse(first.data[0]!.at))).toBe(false);
      const rest = await store.listDeletions({ limit: 2, cursor: first.nextCursor });
      expect(rest).toEqual({
        data: [expect.objectContaining({ deletionId: deletionIds[0], droppedEvents: 1 })],
        nextCursor: null,
      });
      expect(JSON.stringify([first, rest])).not.toMatch(/zoe|bob|a-cy|"cy"/);
    });

    it('counts drops per suppression entry, by hash prefix, most recent drop first', async () => {
      expect(await store.listSuppressionStats({ limit: 10 })).toEqual({ data: [], nextCursor: null });
      await store.ingest([event({ type: 'identify', userId: 'u', anonymousId: 'a', traits: { email: 'e@x.io' } })]);
      await store.erase({ type: 'userId', value: 'u' }, { suppress: true });
      const later = (minute: number, fields: Record<string, unknown>) =>
        makeIncomingEvent({ receivedAt: at(minute), timestamp: at(minute), message: { anonymousId: null, ...fields } });
      const outcomes = await store.ingest([
        later(1, { anonymousId: 'a' }),
        later(2, { userId: 'u' }),
        later(3, { anonymousId: 'a' }),
        later(4, { anonymousId: 'fresh' }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['suppressed', 'suppressed', 'suppressed', 'stored']);
      const prefix = (type: string, value: string) => hashed(type, value).split(':')[2]!.slice(0, 16);
      const first = await store.listSuppressionStats({ limit: 1 });
      expect(first.data).toEqual([{ hashPrefix: prefix('anonymousId', 'a'), droppedEvents: 2, lastDroppedAt: at(3) }]);
      // The prefix is the one the `suppressed` warning shows.
      expect(outcomes[2]!.warnings).toEqual([
        { code: 'suppressed', detail: `anonymousId:sha256:${prefix('anonymousId', 'a')}` },
      ]);
      const rest = await store.listSuppressionStats({ limit: 1, cursor: first.nextCursor });
      expect(rest).toEqual({
        data: [{ hashPrefix: prefix('userId', 'u'), droppedEvents: 1, lastDroppedAt: at(2) }],
        nextCursor: null,
      });
    });
  });
}
