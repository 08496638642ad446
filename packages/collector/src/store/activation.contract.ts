/**
 * The activation half of the Store port's behaviour (issue 9), written once
 * for every implementation: definitions with their version and backfill,
 * state written in the event's transaction, leased due rows, merges, erasure.
 * Usage: `describeActivationContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import type { AudienceDefinition, ComputedTraitDefinition } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeIncomingEvent, type StoreFactory } from './store.contract.js';
import type { IncomingEvent, Store } from './store.js';

const HOUR_MS = 3_600_000;

const ordersTrait: ComputedTraitDefinition = { key: 'orders', kind: 'count', event: 'Order Completed' };
const buyers: AudienceDefinition = {
  key: 'buyers',
  name: 'Buyers',
  condition: { computed: 'orders', op: 'gte', value: 1 },
};
/** Bought within the last hour: membership ends on its own one hour after the last order. */
const recentBuyers: AudienceDefinition = {
  key: 'recent_buyers',
  name: 'Recent buyers',
  condition: { event: 'Order Completed', within: '1h' },
};

/** An order by `anonymousId` at `at` (epoch ms). */
function order(anonymousId: string, at: number, extra: Record<string, unknown> = {}): IncomingEvent {
  const timestamp = new Date(at).toISOString();
  return makeIncomingEvent({ timestamp, receivedAt: timestamp, message: { anonymousId, ...extra } });
}

async function define(store: Store, kind: 'computedTrait' | 'audience', definition: object, emitOnCreate = false) {
  const { version } = await store.getDefinitions();
  const outcome = await store.saveDefinition({
    kind,
    definition: { ...definition, ...(emitOnCreate ? { emitOnCreate } : {}) },
    mode: 'create',
    expectedVersion: version,
    now: Date.now(),
  } as Parameters<Store['saveDefinition']>[0]);
  expect(outcome.status).toBe('saved');
  // Nothing stored yet in most tests: one step makes the definition live.
  while ((await store.backfillStep({ now: Date.now(), limit: 100 })).remaining);
}

export function describeActivationContract(name: string, open: StoreFactory): void {
  describe(`Store activation contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps definitions with a version: create, exists, replace, stale version, delete', async () => {
      const empty = await store.getDefinitions();
      expect(empty).toEqual({ version: expect.any(Number), computedTraits: [], audiences: [] });
      const now = Date.UTC(2026, 0, 1);
      const save = (mode: 'create' | 'replace', expectedVersion: number, definition = ordersTrait) =>
        store.saveDefinition({ kind: 'computedTrait', definition, mode, expectedVersion, now });
      expect(await save('replace', empty.version)).toEqual({ status: 'not_found' });
      const created = await save('create', empty.version);
      expect(created).toEqual({
        status: 'saved',
        record: {
          definition: ordersTrait,
          status: 'backfilling',
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
        },
      });
      const after = await store.getDefinitions();
      expect(after.version).toBeGreaterThan(empty.version);
      expect(await save('create', after.version)).toEqual({ status: 'exists' });
      expect(await save('replace', empty.version)).toEqual({ status: 'version_changed' });
      // The two kinds have separate key spaces.
      const audience = { ...buyers, key: 'orders' };
      expect(
        await store.saveDefinition({
          kind: 'audience',
          definition: audience,
          mode: 'create',
          expectedVersion: after.version,
          now,
        }),
      ).toMatchObject({ status: 'saved' });
      expect((await store.backfillStep({ now, limit: 10 })).remaining).toBe(false);
      const live = await store.getDefinitions();
      expect(live.computedTraits.map((r) => r.status)).toEqual(['live']);
      expect(live.audiences.map((r) => r.definition)).toEqual([audience]);
      expect(
        await store.deleteDefinition({ kind: 'computedTrait', key: 'orders', expectedVersion: live.version - 1 }),
      ).toBe('version_changed');
      expect(
        await store.deleteDefinition({ kind: 'computedTrait', key: 'orders', expectedVersion: live.version }),
      ).toBe('deleted');
      const last = await store.getDefinitions();
      expect(
        await store.deleteDefinition({ kind: 'computedTrait', key: 'orders', expectedVersion: last.version }),
      ).toBe('not_found');
      expect(last.computedTraits).toEqual([]);
      expect(last.audiences).toHaveLength(1);
    });

    it('evaluates in the event transaction: values, membership, one change and its lifecycle event', async () => {
      await define(store, 'computedTrait', ordersTrait);
      await define(store, 'audience', buyers);
      const [first] = await store.ingest([order('a', Date.now())]);
      await store.ingest([order('a', Date.now())]);
      const ref = { id: first!.profileId! };
      const state = await store.getProfileActivation(ref);
      expect(state).toMatchObject({
        profileId: ref.id,
        computed: { orders: 2 },
        computedAt: expect.any(String),
        audiences: [{ key: 'buyers', enteredAt: expect.any(String) }],
      });
      const changes = await store.listAudienceChanges('buyers', { limit: 10 });
      expect(changes?.data).toEqual([
        {
          profileId: ref.id,
          seq: 1,
          change: 'entered',
          reason: 'event',
          at: expect.any(String),
          messageId: expect.any(String),
        },
      ]);
      const lifecycle = await store.getEvent(changes!.data[0]!.messageId);
      expect(lifecycle).toMatchObject({
        source: 'exhaust',
        profileId: ref.id,
        message: {
          type: 'track',
          event: 'Audience Entered',
          properties: { audience_key: 'buyers', buyers: true, reason: 'event' },
          context: { exhaust: { computation: 'audience', key: 'buyers', seq: 1 } },
        },
      });
      expect((await store.listProfileEvents(ref, { limit: 10 }))?.data.map((e) => e.source)).toContain('exhaust');
      expect(await store.audienceSizes()).toEqual({ buyers: 1 });
      expect(await store.listAudienceMembers('buyers', { limit: 10 })).toEqual({
        data: [{ profileId: ref.id, enteredAt: state!.audiences[0]!.enteredAt }],
        nextCursor: null,
      });
      // Resuming the feed from its cursor answers nothing new, and the same cursor again.
      const resumed = await store.listAudienceChanges('buyers', { limit: 10, since: changes!.nextCursor });
      expect(resumed).toEqual({ data: [], nextCursor: changes!.nextCursor });
      expect(await store.listAudienceChanges('nope', { limit: 10 })).toBeNull();
      expect(await store.listAudienceMembers('nope', { limit: 10 })).toBeNull();
      expect(await store.getProfileActivation({ id: 'p_unknown' })).toBeNull();
    });

    it('pages members by cursor', async () => {
      await define(store, 'computedTrait', ordersTrait);
      await define(store, 'audience', buyers);
      for (const who of ['a', 'b', 'c']) await store.ingest([order(who, Date.now())]);
      const first = await store.listAudienceMembers('buyers', { limit: 2 });
      expect(first?.data).toHaveLength(2);
      const rest = await store.listAudienceMembers('buyers', { limit: 2, cursor: first!.nextCursor });
      expect(rest).toMatchObject({ data: [expect.anything()], nextCursor: null });
      const ids = [...first!.data, ...rest!.data].map((m) => m.profileId);
      expect(new Set(ids).size).toBe(3);
    });

    it('schedules the next change as a due row, claimed with a lease by one owner at a time', async () => {
      await define(store, 'audience', recentBuyers);
      const boughtAt = Date.now() - 1000;
      const [outcome] = await store.ingest([order('a', boughtAt)]);
      const dueAt = boughtAt + HOUR_MS;
      expect(await store.nextDueAt()).toBe(dueAt);
      expect(await store.claimDue({ now: dueAt - 1, owner: 'one', leaseMs: 1000, limit: 10 })).toEqual([]);
      const claimed = await store.claimDue({ now: dueAt, owner: 'one', leaseMs: 1000, limit: 10 });
      expect(claimed).toEqual([outcome!.profileId]);
      // Leased: nobody else gets it until the lease ends, and the alarm looks at the lease's end.
      expect(await store.claimDue({ now: dueAt + 10, owner: 'two', leaseMs: 1000, limit: 10 })).toEqual([]);
      expect(await store.nextDueAt()).toBe(dueAt + 1000);
      expect(await store.reevaluate({ profileIds: claimed, owner: 'one', now: dueAt + 5 })).toBe(1);
      const changes = await store.listAudienceChanges('recent_buyers', { limit: 10 });
      expect(changes?.data.map((c) => [c.change, c.reason, c.seq])).toEqual([
        ['entered', 'event', 1],
        ['exited', 'time', 2],
      ]);
      expect(await store.nextDueAt()).toBeNull();
      expect((await store.getProfileActivation({ id: outcome!.profileId! }))?.audiences).toEqual([]);
    });

    it('lets another owner take a row whose lease ran out (its claimer died)', async () => {
      await define(store, 'audience', recentBuyers);
      const boughtAt = Date.now() - 1000;
      const [outcome] = await store.ingest([order('a', boughtAt)]);
      const dueAt = boughtAt + HOUR_MS;
      expect(await store.claimDue({ now: dueAt, owner: 'dead', leaseMs: 1000, limit: 10 })).toHaveLength(1);
      expect(await store.claimDue({ now: dueAt + 1000, owner: 'alive', leaseMs: 1000, limit: 10 })).toEqual([
        outcome!.profileId,
      ]);
    });

    it('backfills a definition created after the events, silently unless emitOnCreate', async () => {
      await store.ingest([order('a', Date.now()), order('b', Date.now())]);
      await store.ingest([makeIncomingEvent({ message: { type: 'page', anonymousId: 'c' } })]);
      await define(store, 'computedTrait', ordersTrait);
      await define(store, 'audience', buyers);
      await define(store, 'audience', { ...buyers, key: 'loud_buyers' }, true);
      expect(await store.audienceSizes()).toEqual({ buyers: 2, loud_buyers: 2 });
      expect((await store.listAudienceChanges('buyers', { limit: 10 }))?.data).toEqual([]);
      expect((await store.listAudienceChanges('loud_buyers', { limit: 10 }))?.data).toMatchObject([
        { change: 'entered', reason: 'definition', seq: 1 },
        { change: 'entered', reason: 'definition', seq: 1 },
      ]);
      expect((await store.getProfileActivation({ type: 'anonymousId', value: 'c' }))?.computed).toEqual({ orders: 0 });
      // A new person is evaluated by ingest, and enters loudly.
      await store.ingest([order('d', Date.now())]);
      expect((await store.listAudienceChanges('buyers', { limit: 10 }))?.data).toMatchObject([
        { change: 'entered', reason: 'event' },
      ]);
    });

    it('evaluates a new profile whatever its event, so "has not done" audiences hold from the start', async () => {
      await define(store, 'audience', {
        key: 'never_bought',
        name: 'Never bought',
        condition: { event: 'Order Completed', count: { op: 'eq', value: 0 } },
      });
      await store.ingest([makeIncomingEvent({ message: { type: 'page', anonymousId: 'a' } })]);
      expect((await store.getProfileActivation({ type: 'anonymousId', value: 'a' }))?.audiences).toMatchObject([
        { key: 'never_bought' },
      ]);
      await store.ingest([order('a', Date.now())]);
      expect((await store.getProfileActivation({ type: 'anonymousId', value: 'a' }))?.audiences).toEqual([]);
    });

    it('a merge exits the merged-away profile and re-evaluates the survivor; an unmerge re-evaluates both', async () => {
      await define(store, 'computedTrait', ordersTrait);
      await define(store, 'audience', {
        key: 'loyal',
        name: 'Loyal',
        condition: { computed: 'orders', op: 'gte', value: 2 },
      });
      await define(store, 'audience', buyers);
      const [a] = await store.ingest([order('a', Date.now())]);
      const [b] = await store.ingest([order('b', Date.now())]);
      const merged = await store.merge({ id: b!.profileId! }, { id: a!.profileId! });
      expect(merged).toEqual({ survivor: a!.profileId, merged: b!.profileId, alreadyMerged: false });
      const buyerChanges = (await store.listAudienceChanges('buyers', { limit: 10 }))!.data;
      expect(buyerChanges.map((c) => [c.profileId, c.change, c.reason, c.seq])).toEqual([
        [a!.profileId, 'entered', 'event', 1],
        [b!.profileId, 'entered', 'event', 1],
        [b!.profileId, 'exited', 'merge', 2],
      ]);
      expect(
        (await store.listAudienceChanges('loyal', { limit: 10 }))!.data.map((c) => [c.profileId, c.reason]),
      ).toEqual([[a!.profileId, 'merge']]);
      expect(await store.getProfileActivation({ id: b!.profileId! })).toMatchObject({
        profileId: a!.profileId,
        computed: { orders: 2 },
      });
      expect(await store.audienceSizes()).toEqual({ loyal: 1, buyers: 1 });

      await store.unmerge({ type: 'anonymousId', value: 'b' });
      const loyal = (await store.listAudienceChanges('loyal', { limit: 10 }))!.data;
      expect(loyal.map((c) => [c.profileId, c.change, c.reason])).toEqual([
        [a!.profileId, 'entered', 'merge'],
        [a!.profileId, 'exited', 'unmerge'],
      ]);
      const buyersAfter = (await store.listAudienceChanges('buyers', { limit: 10 }))!.data.slice(3);
      // The detached profile's seq continues from its exit.
      expect(buyersAfter.map((c) => [c.profileId, c.change, c.reason, c.seq])).toEqual([
        [b!.profileId, 'entered', 'unmerge', 3],
      ]);
    });

    it('an identify merging two profiles re-evaluates the survivor in the same request', async () => {
      await define(store, 'computedTrait', ordersTrait);
      await define(store, 'audience', {
        key: 'loyal',
        name: 'Loyal',
        condition: { computed: 'orders', op: 'gte', value: 2 },
      });
      await store.ingest([order('a', Date.now(), { userId: 'u-1' })]);
      const [b] = await store.ingest([order('b', Date.now())]);
      const [login] = await store.ingest([
        makeIncomingEvent({ message: { type: 'identify', userId: 'u-1', anonymousId: 'b' } }),
      ]);
      expect(login!.profileId).not.toBe(b!.profileId);
      expect((await store.getProfileActivation({ type: 'userId', value: 'u-1' }))?.computed).toEqual({ orders: 2 });
      expect((await store.listAudienceChanges('loyal', { limit: 10 }))!.data).toMatchObject([
        { profileId: login!.profileId, change: 'entered', reason: 'merge' },
      ]);
    });

    it('erasure removes the person from every activation table and emits nothing', async () => {
      await define(store, 'computedTrait', ordersTrait);
      await define(store, 'audience', buyers);
      await define(store, 'audience', recentBuyers);
      const [a] = await store.ingest([order('a', Date.now())]);
      await store.ingest([order('b', Date.now())]);
      const before = (await store.listAudienceChanges('buyers', { limit: 10 }))!;
      await store.erase({ id: a!.profileId! }, { suppress: false });
      expect(await store.audienceSizes()).toEqual({ buyers: 1, recent_buyers: 1 });
      const after = (await store.listAudienceChanges('buyers', { limit: 10 }))!;
      expect(after.data.map((c) => c.profileId)).toEqual([expect.not.stringMatching(a!.profileId!)]);
      expect(after.data).toHaveLength(before.data.length - 1);
      expect((await store.listAudienceMembers('recent_buyers', { limit: 10 }))!.data).toHaveLength(1);
      // b's due row is the only one left.
      expect(await store.claimDue({ now: Date.now() + 2 * HOUR_MS, owner: 'x', leaseMs: 1, limit: 10 })).toHaveLength(
        1,
      );
      const events = await store.listEvents({ limit: 50 });
      expect(events.data.filter((e) => JSON.stringify(e).includes(a!.profileId!))).toEqual([]);
    });

    it('deleting an audience forgets its memberships and changes', async () => {
      await define(store, 'computedTrait', ordersTrait);
      await define(store, 'audience', buyers);
      await store.ingest([order('a', Date.now())]);
      const { version } = await store.getDefinitions();
      expect(await store.deleteDefinition({ kind: 'audience', key: 'buyers', expectedVersion: version })).toBe(
        'deleted',
      );
      expect(await store.audienceSizes()).toEqual({});
      expect((await store.getProfileActivation({ type: 'anonymousId', value: 'a' }))?.audiences).toEqual([]);
    });

    it('explains an audience for a profile', async () => {
      await define(store, 'audience', recentBuyers);
      const boughtAt = Date.now() - 1000;
      const [a] = await store.ingest([order('a', boughtAt)]);
      const explained = await store.explainAudience({ id: a!.profileId! }, 'recent_buyers', boughtAt + 2000);
      expect(explained).toMatchObject({
        profileId: a!.profileId,
        explain: { value: true, changesAt: new Date(boughtAt + HOUR_MS).toISOString() },
      });
      expect(await store.explainAudience({ id: a!.profileId! }, 'nope', Date.now())).toBe('unknown_audience');
      expect(await store.explainAudience({ id: 'p_nobody' }, 'recent_buyers', Date.now())).toBeNull();
    });
  });
}
