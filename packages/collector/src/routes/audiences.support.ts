/**
 * Audiences over real HTTP against a real collector, as one test body for
 * every store (`audiences.test.ts` on SQLite, `audiences.postgres.test.ts` on
 * PostgreSQL): operators and combinators, nested audiences and cycles, members, sizes, the
 * change feed and lifecycle events, backfill with and without emitOnCreate,
 * merges, unmerges and erasure. Time-driven changes are in
 * `activation/scheduler.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartTestCollector, TestCollector } from '../test/harness.js';
import { admin, changes, create, type Json, profile, send, trackAt, waitLive } from './activation-http.support.js';

let identifies = 0;
const identify = (anonymousId: string, traits: Record<string, unknown>) => {
  identifies += 1;
  return { type: 'identify', anonymousId, traits, messageId: `aud-identify-${process.pid}-${identifies}` };
};

/** Registers the audience tests, on a collector started by `startCollector`. */
export function describeAudiencesOverHttp(startCollector: StartTestCollector): void {
  describe('audiences over HTTP', () => {
    let collector: TestCollector;
    beforeAll(async () => {
      collector = await startCollector();
    });
    afterAll(async () => {
      await collector.stop();
    });

    it('evaluates every operator and combinator, and explains the tree', async () => {
      const condition = {
        all: [
          { trait: 'plan', op: 'eq', value: 'pro' },
          { trait: 'plan', op: 'neq', value: 'free' },
          { trait: 'seats', op: 'gt', value: 10 },
          { trait: 'seats', op: 'gte', value: 12 },
          { trait: 'seats', op: 'lt', value: 13 },
          { trait: 'seats', op: 'lte', value: 12 },
          { trait: 'country', op: 'in', value: ['FR', 'DE'] },
          { trait: 'tags', op: 'contains', value: 'vip' },
          { trait: 'email', op: 'startsWith', value: 'ada@' },
          { trait: 'email', op: 'exists' },
          { trait: 'phone', op: 'notExists' },
          {
            any: [
              { trait: 'plan', op: 'eq', value: 'enterprise' },
              { trait: 'plan', op: 'eq', value: 'pro' },
            ],
          },
          { not: { trait: 'plan', op: 'eq', value: 'free' } },
        ],
      };
      await create(collector, '/v1/audiences', { key: 'ops', name: 'Every operator', condition });
      // (email is an identifier: each profile gets its own.)
      const traits = { plan: 'pro', seats: 12, country: 'FR', tags: ['vip', 'beta'], email: 'ada@example.org' };
      await send(
        collector,
        identify('ops-in', traits),
        identify('ops-out', { ...traits, seats: 13, email: 'ada@example.net' }),
      );
      const inside = await profile(collector, 'anonymousId:ops-in');
      expect(inside.audiences).toEqual([{ key: 'ops', enteredAt: expect.any(String) }]);
      expect((await profile(collector, 'anonymousId:ops-out')).audiences).toEqual([]);

      const explained = await admin(collector, 'GET', `/v1/profiles/${inside.id}/audiences/ops/explain`);
      expect(explained.status).toBe(200);
      expect(explained.body).toMatchObject({ profileId: inside.id, audience: 'ops', value: true, changesAt: null });
      expect(explained.body.children).toHaveLength(condition.all.length);
      expect(explained.body.children.every((child: Json) => child.value === true)).toBe(true);
      const outside = await admin(collector, 'GET', '/v1/profiles/anonymousId%3Aops-out/audiences/ops/explain');
      expect(outside.body.children.map((child: Json) => child.value)).toEqual(
        // seats 13: only `lt 13` and `lte 12` fail.
        condition.all.map((_node, i) => i !== 4 && i !== 5),
      );

      // A trait change by identify re-evaluates: the profile exits with reason event.
      await send(collector, identify('ops-in', { plan: 'free' }));
      expect((await changes(collector, 'ops')).map((c) => [c.profileId, c.change, c.reason, c.seq])).toEqual([
        [inside.id, 'entered', 'event', 1],
        [inside.id, 'exited', 'event', 2],
      ]);
      expect((await admin(collector, 'GET', '/v1/profiles/p_nobody/audiences/ops/explain')).status).toBe(404);
      expect((await admin(collector, 'GET', `/v1/profiles/${inside.id}/audiences/nope/explain`)).body.error.code).toBe(
        'audience_not_found',
      );
    });

    it('nests audiences and refuses a cycle with the path', async () => {
      await create(collector, '/v1/audiences', {
        key: 'pros',
        name: 'Pros',
        condition: { trait: 'plan', op: 'eq', value: 'pro' },
      });
      await create(collector, '/v1/audiences', {
        key: 'big_pros',
        name: 'Big pros',
        condition: { all: [{ audience: 'pros' }, { trait: 'seats', op: 'gte', value: 50 }] },
      });
      await send(
        collector,
        identify('nest-1', { plan: 'pro', seats: 80 }),
        identify('nest-2', { plan: 'pro', seats: 5 }),
      );
      expect((await profile(collector, 'anonymousId:nest-1')).audiences.map((a: Json) => a.key)).toEqual([
        'big_pros',
        'pros',
      ]);
      expect((await profile(collector, 'anonymousId:nest-2')).audiences.map((a: Json) => a.key)).toEqual(['pros']);
      const cycle = await admin(collector, 'PUT', '/v1/audiences/pros', {
        name: 'Pros',
        condition: { any: [{ trait: 'plan', op: 'eq', value: 'pro' }, { audience: 'big_pros' }] },
      });
      expect(cycle.status).toBe(400);
      expect(cycle.body.error).toMatchObject({ code: 'invalid_definition' });
      expect(cycle.body.error.issues).toContainEqual(expect.objectContaining({ code: 'cycle' }));
      expect(cycle.body.error.issues[0].path[0]).toBe('condition');
      expect(await admin(collector, 'DELETE', '/v1/audiences/pros')).toMatchObject({ status: 409 });
      const unknown = await admin(collector, 'POST', '/v1/audiences', {
        key: 'orphans',
        name: 'Orphans',
        condition: { not: { audience: 'nope' } },
      });
      expect(unknown.body.error.issues).toContainEqual(
        expect.objectContaining({ path: ['condition', 'not', 'audience'], code: 'unknown_reference' }),
      );
    });

    it('lists members by cursor and sizes, and records each change as a lifecycle event', async () => {
      await create(collector, '/v1/audiences', {
        key: 'readers',
        name: 'Readers',
        condition: { event: 'Article Read' },
      });
      for (const who of ['r1', 'r2', 'r3']) await send(collector, trackAt(who, 'Article Read'));
      await waitLive(collector);
      const list = await admin(collector, 'GET', '/v1/audiences');
      expect(list.body.data.find((a: Json) => a.key === 'readers')).toMatchObject({ size: 3, status: 'live' });
      const first = await admin(collector, 'GET', '/v1/audiences/readers/members?limit=2');
      expect(first.body.data).toHaveLength(2);
      const rest = await admin(
        collector,
        'GET',
        `/v1/audiences/readers/members?limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(rest.body).toMatchObject({
        data: [{ profileId: expect.any(String), enteredAt: expect.any(String) }],
        nextCursor: null,
      });
      const feed = await admin(collector, 'GET', '/v1/audiences/readers/changes?limit=2');
      expect(feed.body.data).toHaveLength(2);
      const more = await admin(collector, 'GET', `/v1/audiences/readers/changes?since=${feed.body.nextCursor}`);
      expect(more.body.data).toHaveLength(1);
      const r3 = await profile(collector, 'anonymousId:r3');
      expect(more.body.data[0]).toMatchObject({ profileId: r3.id, change: 'entered', reason: 'event', seq: 1 });
      // order=desc: the newest first (what the console shows as recent changes); its cursor resumes after them.
      const recent = await admin(collector, 'GET', '/v1/audiences/readers/changes?limit=1&order=desc');
      expect(recent.body).toEqual({ data: [more.body.data[0]], nextCursor: more.body.nextCursor });
      expect((await admin(collector, 'GET', '/v1/audiences/readers/changes?order=sideways')).status).toBe(400);
      const lifecycle = await admin(collector, 'GET', `/v1/events/${encodeURIComponent(more.body.data[0].messageId)}`);
      expect(lifecycle.body).toMatchObject({
        source: 'exhaust',
        profileId: r3.id,
        message: {
          type: 'track',
          event: 'Audience Entered',
          properties: { audience_key: 'readers', readers: true, reason: 'event' },
          context: { exhaust: { computation: 'audience', key: 'readers', seq: 1 } },
        },
      });
      // Reading the same article again changes nothing: no repeat.
      await send(collector, trackAt('r3', 'Article Read'));
      expect(await changes(collector, 'readers')).toHaveLength(3);
      for (const path of ['/v1/audiences/nope', '/v1/audiences/nope/members', '/v1/audiences/nope/changes']) {
        expect((await admin(collector, 'GET', path)).body.error.code).toBe('audience_not_found');
      }
      expect((await admin(collector, 'GET', '/v1/audiences/readers/members?cursor=garbage')).status).toBe(400);
    });

    it('backfills a new audience silently, or with enter events when emitOnCreate', async () => {
      await send(collector, trackAt('bf-1', 'Webinar Attended'), trackAt('bf-2', 'Webinar Attended'));
      await create(collector, '/v1/audiences', {
        key: 'attendees',
        name: 'Attendees',
        condition: { event: 'Webinar Attended' },
      });
      await create(collector, '/v1/audiences', {
        key: 'attendees_loud',
        name: 'Attendees (announced)',
        condition: { event: 'Webinar Attended' },
        emitOnCreate: true,
      });
      await waitLive(collector);
      const sizes = (await admin(collector, 'GET', '/v1/audiences')).body.data;
      expect(sizes.find((a: Json) => a.key === 'attendees').size).toBe(2);
      expect(await changes(collector, 'attendees')).toEqual([]);
      expect((await changes(collector, 'attendees_loud')).map((c) => [c.change, c.reason])).toEqual([
        ['entered', 'definition'],
        ['entered', 'definition'],
      ]);
    });

    it('a merge exits the merged-away profile and enters the survivor; an unmerge undoes it', async () => {
      await create(collector, '/v1/audiences', { key: 'buyers', name: 'Buyers', condition: { event: 'Purchase' } });
      await create(collector, '/v1/audiences', {
        key: 'repeat_buyers',
        name: 'Repeat buyers',
        condition: { event: 'Purchase', count: { op: 'gte', value: 2 } },
      });
      await send(collector, trackAt('m1', 'Purchase'));
      await send(collector, trackAt('m2', 'Purchase'));
      const [m1, m2] = [await profile(collector, 'anonymousId:m1'), await profile(collector, 'anonymousId:m2')];
      const merged = await admin(collector, 'POST', '/v1/merges', { from: 'anonymousId:m2', into: 'anonymousId:m1' });
      expect(merged.body).toEqual({ survivor: m1.id, merged: m2.id, alreadyMerged: false });
      expect((await changes(collector, 'buyers')).map((c) => [c.profileId, c.change, c.reason])).toEqual([
        [m1.id, 'entered', 'event'],
        [m2.id, 'entered', 'event'],
        [m2.id, 'exited', 'merge'],
      ]);
      expect((await changes(collector, 'repeat_buyers')).map((c) => [c.profileId, c.change, c.reason])).toEqual([
        [m1.id, 'entered', 'merge'],
      ]);
      expect((await profile(collector, 'anonymousId:m2')).audiences.map((a: Json) => a.key)).toEqual([
        'buyers',
        'repeat_buyers',
      ]);

      expect((await admin(collector, 'POST', '/v1/profiles/anonymousId%3Am2/unmerge')).status).toBe(200);
      expect((await changes(collector, 'repeat_buyers')).map((c) => [c.profileId, c.change, c.reason])).toEqual([
        [m1.id, 'entered', 'merge'],
        [m1.id, 'exited', 'unmerge'],
      ]);
      expect(
        (await changes(collector, 'buyers')).slice(3).map((c) => [c.profileId, c.change, c.reason, c.seq]),
      ).toEqual([[m2.id, 'entered', 'unmerge', 3]]);
    });

    it('erasure removes the person from every audience without emitting anything that names them', async () => {
      await create(collector, '/v1/audiences', {
        key: 'campers',
        name: 'Campers',
        condition: { event: 'Tent Bought' },
      });
      await send(collector, trackAt('gone', 'Tent Bought'), trackAt('stays', 'Tent Bought'));
      const gone = await profile(collector, 'anonymousId:gone');
      const eventsBefore = (await admin(collector, 'GET', '/v1/events?limit=1000')).body.data.length;
      expect((await admin(collector, 'DELETE', '/v1/profiles/anonymousId%3Agone')).status).toBe(200);
      const sizes = (await admin(collector, 'GET', '/v1/audiences')).body.data;
      expect(sizes.find((a: Json) => a.key === 'campers').size).toBe(1);
      const feed = await changes(collector, 'campers');
      expect(feed.map((c) => c.profileId)).not.toContain(gone.id);
      const events = (await admin(collector, 'GET', '/v1/events?limit=1000')).body.data;
      // Its Tent Bought and Audience Entered went; nothing new was written.
      expect(events.length).toBe(eventsBefore - 2);
      expect(JSON.stringify(events)).not.toContain(gone.id);
    });
  });
}
