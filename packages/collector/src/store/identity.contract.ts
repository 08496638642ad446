/**
 * The identity half of the Store port's behaviour, written once for every
 * implementation (SQLite today, PostgreSQL later). Usage, in an
 * implementation's test file:
 * `describeIdentityContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeIncomingEvent, type StoreFactory } from './store.contract.js';
import type { IncomingEvent, Store } from './store.js';

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
  });
}
