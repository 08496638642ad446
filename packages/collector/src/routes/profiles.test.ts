/**
 * Identity end to end: real HTTP on loopback, the real app, the worker-thread
 * SQLite store with group commit on a real file. One test per scenario of
 * issue 3's "Done when".
 */
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { IdentityConfigInput } from '../identity/config.js';
import { msg, startTestCollector, type TestCollector } from './identity-e2e.support.js';

/** A fixed past time, `minute` minutes after 10:00 UTC on 2026-11-20. */
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();

let collector: TestCollector | null = null;
async function start(identity: IdentityConfigInput = {}): Promise<TestCollector> {
  collector = await startTestCollector(identity);
  return collector;
}
afterEach(async () => {
  await collector?.close();
  collector = null;
});

const codes = (warnings: { code: string; detail: string | null }[]) => warnings.map((w) => `${w.code} ${w.detail}`);

async function eventOf(c: TestCollector, message: Record<string, unknown>) {
  const { status, body } = await c.admin('GET', `/v1/events/${encodeURIComponent(message.messageId as string)}`);
  expect(status).toBe(200);
  return body as { profileId: string | null; warnings: { code: string; detail: string | null }[] };
}

describe('identity stitching over HTTP', () => {
  it('anonymous browsing then signup: one profile with the pre-signup events', async () => {
    const c = await start();
    const browse = [
      msg({ type: 'page', anonymousId: 'a-1' }),
      msg({ type: 'track', event: 'Viewed', anonymousId: 'a-1' }),
    ];
    const signup = msg({ type: 'identify', userId: 'u-1', anonymousId: 'a-1', traits: { email: 'Ada@Example.org' } });
    await c.send(...browse);
    const anonymous = await c.profile('anonymousId:a-1');
    await c.send(signup);
    const profile = await c.profile('userId:u-1');
    expect(profile.id).toBe(anonymous.id);
    expect(profile.identifiers.map((i) => `${i.type}:${i.value}`)).toEqual([
      'userId:u-1',
      'email:ada@example.org',
      'anonymousId:a-1',
    ]);
    expect(profile.eventCount).toBe(3);
    expect(await c.timeline('userId:u-1')).toEqual([signup, browse[1]!, browse[0]!].map((m) => m.messageId));
    expect((await eventOf(c, browse[0]!)).profileId).toBe(profile.id);
  });

  it('a late pre-login event arriving after login lands on the same profile', async () => {
    const c = await start();
    await c.send(msg({ type: 'page', anonymousId: 'a-1', timestamp: at(1) }));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'a-1', timestamp: at(5) }));
    const late = msg({ type: 'track', event: 'Added To Cart', anonymousId: 'a-1', timestamp: at(2) });
    await c.send(late);
    const profile = await c.profile('userId:u-1');
    expect(profile.eventCount).toBe(3);
    expect((await eventOf(c, late)).profileId).toBe(profile.id);
    expect(profile.firstSeen).toBe(at(1));
    expect(profile.lastSeen).toBe(at(5));
  });

  it('two devices joined by login merge into the earliest profile, and the merged-away id resolves', async () => {
    const c = await start();
    await c.send(msg({ type: 'page', anonymousId: 'laptop' }));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'laptop' }));
    await c.send(msg({ type: 'page', anonymousId: 'phone' }));
    const phone = await c.profile('anonymousId:phone');
    const login = msg({ type: 'identify', userId: 'u-1', anonymousId: 'phone' });
    await c.send(login);
    const profile = await c.profile('anonymousId:phone');
    const laptop = await c.profile('anonymousId:laptop');
    expect(profile.id).toBe(laptop.id);
    expect(profile.id).not.toBe(phone.id);
    expect((await c.profile(phone.id)).id).toBe(profile.id);
    expect(profile.eventCount).toBe(4);
    expect((await c.timeline(phone.id)).length).toBe(4);
    const merges = await c.admin('GET', `/v1/profiles/${profile.id}/merges`);
    expect(merges.body.data).toEqual([
      {
        survivor: profile.id,
        merged: phone.id,
        messageId: login.messageId,
        reason: 'event',
        active: true,
        at: expect.any(String),
        refused: null,
      },
    ]);
  });

  it('a server-side identify before any client activity becomes the surviving profile', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'u-1', traits: { plan: 'pro' }, timestamp: at(1) }));
    const server = await c.profile('userId:u-1');
    await c.send(msg({ type: 'page', anonymousId: 'browser', timestamp: at(2) }));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'browser', timestamp: at(3) }));
    const profile = await c.profile('anonymousId:browser');
    expect(profile.id).toBe(server.id);
    expect(profile.traits).toEqual({ plan: 'pro' });
    expect(profile.eventCount).toBe(3);
  });

  it('links emails across case and whitespace', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'u-1', traits: { email: 'Ada.Lovelace@Example.COM' } }));
    await c.send(
      msg({
        type: 'track',
        event: 'Opened',
        anonymousId: 'b',
        context: { traits: { email: ' ada.lovelace@example.com ' } },
      }),
    );
    const profile = await c.profile('anonymousId:b');
    expect(profile.id).toBe((await c.profile('userId:u-1')).id);
    expect(profile.identifiers.filter((i) => i.type === 'email').map((i) => i.value)).toEqual([
      'ada.lovelace@example.com',
    ]);
    expect((await c.profile('email:ADA.LOVELACE@example.com')).id).toBe(profile.id);
  });

  for (const mode of ['quarantine', 'first-owner'] as const) {
    it(`shared browser with reset() keeps two clean profiles (${mode})`, async () => {
      const c = await start({ contestedMode: mode });
      await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'a-1' }));
      // reset() gives the browser a fresh anonymousId before the next person logs in.
      const next = msg({ type: 'identify', userId: 'u-2', anonymousId: 'a-2' });
      await c.send(next, msg({ type: 'page', anonymousId: 'a-2' }));
      const one = await c.profile('userId:u-1');
      const two = await c.profile('userId:u-2');
      expect(one.id).not.toBe(two.id);
      expect(two.eventCount).toBe(2);
      expect([...one.identifiers, ...two.identifiers].some((i) => i.contested)).toBe(false);
      expect((await eventOf(c, next)).warnings).toEqual([]);
    });
  }

  it('shared browser without reset() (quarantine): the anonymousId is contested and later anonymous events go to a holding profile', async () => {
    const c = await start();
    await c.send(msg({ type: 'page', anonymousId: 'shared' }));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'shared' }));
    const second = msg({ type: 'identify', userId: 'u-2', anonymousId: 'shared' });
    await c.send(second);
    expect(codes((await eventOf(c, second)).warnings)).toEqual(['identifier_contested anonymousId:shared']);
    const one = await c.profile('userId:u-1');
    const two = await c.profile('userId:u-2');
    expect(one.id).not.toBe(two.id);
    expect(one.identifiers.find((i) => i.type === 'anonymousId')).toMatchObject({ value: 'shared', contested: true });
    expect(two.eventCount).toBe(1);

    const later = msg({ type: 'page', anonymousId: 'shared' });
    await c.send(later);
    const holdingId = (await eventOf(c, later)).profileId!;
    expect([one.id, two.id]).not.toContain(holdingId);
    const holding = await c.profile(holdingId);
    expect(holding).toMatchObject({ holdingFor: 'anonymousId:shared', identifiers: [], eventCount: 1 });
    expect((await c.profile('userId:u-1')).eventCount).toBe(2);
    // u-1 logging in again on that browser still reaches u-1, without the contested link.
    const again = msg({ type: 'identify', userId: 'u-1', anonymousId: 'shared' });
    await c.send(again);
    expect((await eventOf(c, again)).profileId).toBe(one.id);
    const list = await c.admin('GET', '/v1/profiles?limit=10');
    expect(list.body.data.map((p: { id: string }) => p.id).sort()).toEqual([one.id, two.id, holdingId].sort());
  });

  it('shared browser without reset() (first-owner): the link is demoted and anonymous events stay with the first owner', async () => {
    const c = await start({ contestedMode: 'first-owner' });
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'shared' }));
    const second = msg({ type: 'identify', userId: 'u-2', anonymousId: 'shared' });
    await c.send(second);
    expect(codes((await eventOf(c, second)).warnings)).toEqual(['identifier_demoted anonymousId:shared']);
    const later = msg({ type: 'page', anonymousId: 'shared' });
    await c.send(later);
    const one = await c.profile('userId:u-1');
    expect((await eventOf(c, later)).profileId).toBe(one.id);
    expect(one.identifiers.some((i) => i.contested)).toBe(false);
    expect((await c.profile('userId:u-2')).eventCount).toBe(1);
    const list = await c.admin('GET', '/v1/profiles');
    expect(list.body.data).toHaveLength(2);
  });

  it('a kiosk device id blocked by configuration never links the people using the kiosk', async () => {
    const c = await start({ blockedValues: { deviceId: ['KIOSK-7'] } });
    const first = msg({ type: 'identify', userId: 'u-1', anonymousId: 'k-a', context: { device: { id: 'kiosk-7' } } });
    const second = msg({ type: 'identify', userId: 'u-2', anonymousId: 'k-b', context: { device: { id: 'kiosk-7' } } });
    await c.send(first, second);
    expect((await c.profile('userId:u-1')).id).not.toBe((await c.profile('userId:u-2')).id);
    expect(codes((await eventOf(c, second)).warnings)).toEqual(['blocked_identifier deviceId:kiosk-7']);
    expect((await c.admin('GET', '/v1/profiles/deviceId:kiosk-7')).status).toBe(404);
  });

  it('two userIds are never merged by alias', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'a-1' }));
    await c.send(msg({ type: 'identify', userId: 'u-2', anonymousId: 'a-2' }));
    const alias = msg({ type: 'alias', userId: 'u-2', previousId: 'u-1' });
    await c.send(alias);
    const one = await c.profile('userId:u-1');
    const two = await c.profile('userId:u-2');
    expect(one.id).not.toBe(two.id);
    expect(codes((await eventOf(c, alias)).warnings)).toEqual(['merge_refused_unique_conflict userId:u-1']);
    const merges = await c.admin('GET', '/v1/profiles/userId:u-2/merges');
    expect(merges.body.data).toEqual([
      expect.objectContaining({
        survivor: two.id,
        merged: one.id,
        messageId: alias.messageId,
        active: false,
        refused: 'merge_refused_unique_conflict',
      }),
    ]);
  });

  it('two userIds are never merged by "log in as" (a support agent logging in as a customer)', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'customer', anonymousId: 'customer-laptop' }));
    await c.send(msg({ type: 'identify', userId: 'agent', anonymousId: 'agent-browser' }));
    const loginAs = msg({ type: 'identify', userId: 'customer', anonymousId: 'agent-browser' });
    await c.send(
      loginAs,
      msg({ type: 'track', event: 'Refund Issued', userId: 'customer', anonymousId: 'agent-browser' }),
    );
    const agent = await c.profile('userId:agent');
    const customer = await c.profile('userId:customer');
    expect(agent.id).not.toBe(customer.id);
    expect(codes((await eventOf(c, loginAs)).warnings)).toEqual(['identifier_contested anonymousId:agent-browser']);
    expect(customer.eventCount).toBe(3);
    expect(agent.identifiers.map((i) => i.type)).toEqual(['userId', 'anonymousId']);
  });

  it('a forced merge then an unmerge restores both profiles exactly', async () => {
    const c = await start();
    await c.send(
      msg({
        type: 'identify',
        userId: 'u-1',
        anonymousId: 'a-1',
        traits: { plan: 'free', name: 'Ada' },
        timestamp: at(1),
      }),
      msg({
        type: 'page',
        anonymousId: 'a-1',
        context: { consent: { categoryPreferences: { ads: true } } },
        timestamp: at(2),
      }),
      msg({ type: 'identify', userId: 'u-2', anonymousId: 'a-2', traits: { plan: 'pro' }, timestamp: at(3) }),
      msg({ type: 'track', event: 'Paid', userId: 'u-2', timestamp: at(4) }),
    );
    const before1 = await c.profile('userId:u-1');
    const before2 = await c.profile('userId:u-2');
    const timeline1 = await c.timeline('userId:u-1');
    const timeline2 = await c.timeline('userId:u-2');

    const merged = await c.admin('POST', '/v1/merges', { from: 'userId:u-2', into: 'userId:u-1' });
    expect(merged).toEqual({ status: 200, body: { survivor: before1.id, merged: before2.id, alreadyMerged: false } });
    const together = await c.profile('userId:u-2');
    expect(together.id).toBe(before1.id);
    expect(together.traits).toEqual({ plan: 'pro', name: 'Ada' });
    expect(together.eventCount).toBe(4);

    const unmerged = await c.admin('POST', `/v1/profiles/${encodeURIComponent('userId:u-2')}/unmerge`);
    expect(unmerged).toEqual({ status: 200, body: { detached: before2.id, from: before1.id } });
    expect(await c.profile('userId:u-1')).toEqual(before1);
    expect(await c.profile('userId:u-2')).toEqual(before2);
    expect(await c.timeline('userId:u-1')).toEqual(timeline1);
    expect(await c.timeline('userId:u-2')).toEqual(timeline2);
    const history = await c.admin('GET', '/v1/profiles/userId:u-1/merges');
    expect(history.body.data.map((m: { reason: string; active: boolean }) => [m.reason, m.active])).toEqual([
      ['admin', false],
      ['unmerge', true],
    ]);
    const twice = await c.admin('POST', '/v1/profiles/userId:u-2/unmerge');
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({
      code: 'conflict',
      issues: [{ path: ['ref'], code: 'unmerge_not_merged' }],
    });
    const missing = await c.admin('POST', '/v1/merges', { from: 'userId:u-1', into: 'userId:nobody' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: 'profile_not_found',
      issues: [{ path: ['into'], code: 'merge_not_found' }],
    });
  });

  it('normalizes phone numbers before linking', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'u-1', traits: { phone: '+1 (555) 010-9999' } }));
    await c.send(
      msg({ type: 'track', event: 'Called', anonymousId: 'b', context: { traits: { phone: '001.555.010.9999' } } }),
    );
    const profile = await c.profile('anonymousId:b');
    expect(profile.id).toBe((await c.profile('userId:u-1')).id);
    expect(profile.identifiers.find((i) => i.type === 'phone')?.value).toBe('+15550109999');
    expect((await c.profile('phone:+1 555 010 9999')).id).toBe(profile.id);
    const short = msg({ type: 'identify', userId: 'u-2', traits: { phone: '12 34' } });
    await c.send(short);
    expect(codes((await eventOf(c, short)).warnings)).toEqual(['invalid_identifier phone:1234']);
  });

  it('merges on a custom externalId', async () => {
    const c = await start();
    await c.send(
      msg({
        type: 'identify',
        userId: 'u-1',
        context: { externalIds: [{ type: 'Shopify', id: 'c-77', collection: 'users' }] },
      }),
    );
    await c.send(
      msg({
        type: 'track',
        event: 'Order',
        anonymousId: 'pos',
        context: { externalIds: [{ type: 'shopify', id: ' c-77 ' }] },
      }),
    );
    const profile = await c.profile('anonymousId:pos');
    expect(profile.id).toBe((await c.profile('userId:u-1')).id);
    expect(profile.identifiers.map((i) => `${i.type}:${i.value}`)).toEqual([
      'userId:u-1',
      'shopify:c-77',
      'anonymousId:pos',
    ]);
    expect((await c.profile('shopify:c-77')).id).toBe(profile.id);
  });

  it('junk userIds and emails never link anyone', async () => {
    const c = await start();
    const first = msg({
      type: 'identify',
      userId: 'undefined',
      anonymousId: 'a-1',
      traits: { email: 'test@example.com' },
    });
    const second = msg({ type: 'identify', userId: 'null', anonymousId: 'a-2', traits: { email: 'TEST@example.com' } });
    await c.send(first, second);
    expect((await c.profile('anonymousId:a-1')).id).not.toBe((await c.profile('anonymousId:a-2')).id);
    expect(codes((await eventOf(c, second)).warnings)).toEqual([
      'blocked_identifier userId:null',
      'blocked_identifier email:TEST@example.com',
    ]);
    for (const ref of ['userId:undefined', 'userId:null', 'email:test@example.com']) {
      const answer = await c.admin('GET', `/v1/profiles/${encodeURIComponent(ref)}`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('profile_not_found');
    }
  });

  it('an event with only junk identifiers is stored unattached', async () => {
    const c = await start();
    const junk = msg({
      type: 'track',
      event: 'Clicked',
      userId: '"undefined"',
      anonymousId: '00000000-0000-0000-0000-000000000000',
    });
    expect((await c.send(junk)).accepted).toBe(1);
    const stored = await eventOf(c, junk);
    expect(stored.profileId).toBeNull();
    expect(codes(stored.warnings)).toEqual([
      'blocked_identifier userId:"undefined"',
      'blocked_identifier anonymousId:00000000-0000-0000-0000-000000000000',
      'no_identifiers null',
    ]);
    expect((await c.admin('GET', '/v1/profiles')).body).toEqual({ data: [], nextCursor: null });
  });

  it('traits: the latest event time wins across merged profiles, whatever the arrival order', async () => {
    const c = await start();
    await c.send(
      msg({ type: 'identify', userId: 'u-1', anonymousId: 'a', traits: { plan: 'pro' }, timestamp: at(10) }),
    );
    await c.send(msg({ type: 'identify', anonymousId: 'b', traits: { plan: 'free', city: 'Oslo' }, timestamp: at(5) }));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'b', timestamp: at(20) }));
    // Arrives last, happened first: it must not win.
    await c.send(msg({ type: 'identify', userId: 'u-1', traits: { plan: 'enterprise' }, timestamp: at(1) }));
    const profile = await c.profile('userId:u-1');
    expect(profile.traits).toEqual({ plan: 'pro', city: 'Oslo' });
    expect(profile.traitTimestamps).toEqual({ plan: at(10), city: at(5) });
    // track/page context.traits identify, but never set traits.
    await c.send(
      msg({ type: 'track', event: 'x', userId: 'u-1', context: { traits: { plan: 'trial' } }, timestamp: at(30) }),
    );
    expect((await c.profile('userId:u-1')).traits.plan).toBe('pro');
  });

  it('an explicit null unsets a trait only when it is the newest write', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'u-1', traits: { nickname: 'Ace' }, timestamp: at(10) }));
    await c.send(msg({ type: 'identify', userId: 'u-1', traits: { nickname: null }, timestamp: at(5) }));
    expect((await c.profile('userId:u-1')).traits).toEqual({ nickname: 'Ace' });
    await c.send(msg({ type: 'identify', userId: 'u-1', traits: { nickname: null }, timestamp: at(15) }));
    const profile = await c.profile('userId:u-1');
    expect(profile.traits).toEqual({});
    expect(profile.traitTimestamps).toEqual({});
  });

  it('consent shows the latest choice per category by event time', async () => {
    const c = await start();
    const consent = (prefs: Record<string, boolean>, minute: number) =>
      msg({
        type: 'track',
        event: 'Consent',
        anonymousId: 'a',
        context: { consent: { categoryPreferences: prefs } },
        timestamp: at(minute),
      });
    await c.send(consent({ analytics: true, ads: false }, 1), consent({ ads: true }, 3), consent({ ads: false }, 2));
    expect((await c.profile('anonymousId:a')).consent).toEqual({
      analytics: { granted: true, at: at(1) },
      ads: { granted: true, at: at(3) },
    });
  });

  it('a duplicate messageId is dropped before any side effect, including one that would merge', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'a' }), msg({ type: 'page', anonymousId: 'b' }));
    const login = msg({ type: 'identify', userId: 'u-1', anonymousId: 'b' });
    await c.send(login);
    expect(await c.send(login)).toMatchObject({ accepted: 0, duplicates: 1 });
    const seen = msg({ type: 'page', anonymousId: 'c' });
    await c.send(seen);
    // Same messageId, new content that would merge c into u-1: dropped as a duplicate.
    const replay = { ...seen, type: 'identify', userId: 'u-1' };
    expect(await c.send(replay)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await c.profile('anonymousId:c')).id).not.toBe((await c.profile('userId:u-1')).id);
    const merges = await c.admin('GET', '/v1/profiles/userId:u-1/merges');
    expect(merges.body.data).toHaveLength(1);
    expect((await c.profile('userId:u-1')).eventCount).toBe(3);
  });

  it('a future timestamp is clamped before it can win a trait', async () => {
    const c = await start();
    const future = msg({
      type: 'identify',
      userId: 'u-1',
      traits: { plan: 'from-the-future' },
      timestamp: new Date(Date.now() + 48 * 3600_000).toISOString(),
    });
    await c.send(future);
    expect(codes((await eventOf(c, future)).warnings).map((w) => w.split(' ')[0])).toEqual([
      'timestamp_clamped_future',
    ]);
    const clamped = Date.parse((await c.profile('userId:u-1')).traitTimestamps.plan!);
    expect(clamped).toBeLessThanOrEqual(Date.now());
    await c.send(
      msg({
        type: 'identify',
        userId: 'u-1',
        traits: { plan: 'now' },
        timestamp: new Date(Date.now() + 1000).toISOString(),
      }),
    );
    expect((await c.profile('userId:u-1')).traits.plan).toBe('now');
  });

  it('one event merges three profiles into the earliest', async () => {
    const c = await start();
    await c.send(msg({ type: 'page', anonymousId: 'a' }));
    await c.send(msg({ type: 'identify', anonymousId: 'b', traits: { email: 'e@x.io' } }));
    await c.send(msg({ type: 'identify', userId: 'u-1' }));
    const first = await c.profile('anonymousId:a');
    const bridge = msg({ type: 'identify', userId: 'u-1', anonymousId: 'a', traits: { email: 'e@x.io' } });
    await c.send(bridge);
    const profile = await c.profile('userId:u-1');
    expect(profile.id).toBe(first.id);
    expect(profile.eventCount).toBe(4);
    const merges = await c.admin('GET', `/v1/profiles/${profile.id}/merges`);
    expect(merges.body.data).toHaveLength(2);
    expect(
      merges.body.data.every(
        (m: { messageId: string; survivor: string }) => m.messageId === bridge.messageId && m.survivor === first.id,
      ),
    ).toBe(true);
  });

  it('caps anonymousIds per profile at the limit (50 by default)', async () => {
    const c = await start();
    const events = Array.from({ length: 51 }, (_, i) => msg({ type: 'page', userId: 'u-1', anonymousId: `a-${i}` }));
    await c.send(...events);
    const profile = await c.profile('userId:u-1');
    expect(profile.identifiers.filter((i) => i.type === 'anonymousId')).toHaveLength(50);
    expect(profile.eventCount).toBe(51);
    expect(codes((await eventOf(c, events[50]!)).warnings)).toEqual(['identifier_limit_dropped anonymousId:a-50']);
    expect((await c.admin('GET', '/v1/profiles/anonymousId:a-50')).status).toBe(404);
  });

  it('refuses event merges past maxMergesPerProfile', async () => {
    const c = await start({ maxMergesPerProfile: 2 });
    await c.send(...['a', 'b', 'c', 'd'].map((a) => msg({ type: 'page', anonymousId: a })));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'a' }));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'b' }));
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'c' }));
    const capped = msg({ type: 'identify', userId: 'u-1', anonymousId: 'd' });
    await c.send(capped);
    expect(codes((await eventOf(c, capped)).warnings)).toEqual(['merge_limit_reached anonymousId:d']);
    const profile = await c.profile('userId:u-1');
    expect((await c.profile('anonymousId:d')).id).not.toBe(profile.id);
    expect((await c.profile('anonymousId:c')).id).toBe(profile.id);
  });

  it('concurrent first events for one new anonymousId create one profile (repeated)', async () => {
    const c = await start();
    const rounds = 5;
    const parallel = 20;
    for (let round = 0; round < rounds; round++) {
      const answers = await Promise.all(
        Array.from({ length: parallel }, () => c.send(msg({ type: 'page', anonymousId: `fresh-${round}` }))),
      );
      expect(answers.every((a) => a.accepted === 1)).toBe(true);
      expect((await c.profile(`anonymousId:fresh-${round}`)).eventCount).toBe(parallel);
    }
    expect((await c.admin('GET', '/v1/profiles?limit=100')).body.data).toHaveLength(rounds);
  });

  it('two devices logging into one account at once end in one profile (repeated)', async () => {
    const c = await start();
    for (let round = 0; round < 5; round++) {
      const devices = ['laptop', 'phone', 'tablet'].map((d) => `${d}-${round}`);
      await c.send(...devices.map((anonymousId) => msg({ type: 'page', anonymousId })));
      await Promise.all(
        devices.map((anonymousId) => c.send(msg({ type: 'identify', userId: `u-${round}`, anonymousId }))),
      );
      const ids = await Promise.all(devices.map(async (d) => (await c.profile(`anonymousId:${d}`)).id));
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toBe((await c.profile(`userId:u-${round}`)).id);
      expect((await c.profile(`userId:u-${round}`)).eventCount).toBe(6);
    }
    expect((await c.admin('GET', '/v1/profiles?limit=100')).body.data).toHaveLength(5);
  });

  it('erases a merged profile on every device; replayed messageIds never come back', async () => {
    const c = await start();
    const events = [
      msg({ type: 'page', anonymousId: 'laptop' }),
      msg({ type: 'identify', userId: 'u-1', anonymousId: 'laptop', traits: { email: 'ada@x.io', name: 'Ada' } }),
      msg({ type: 'page', anonymousId: 'phone', context: { consent: { categoryPreferences: { ads: true } } } }),
      msg({ type: 'identify', userId: 'u-1', anonymousId: 'phone' }),
    ];
    await c.send(events[0]!, events[1]!);
    await c.send(events[2]!, events[3]!);
    await c.send(msg({ type: 'identify', userId: 'someone-else', anonymousId: 'other' }));
    const erased = await c.admin('DELETE', '/v1/profiles/anonymousId:phone');
    expect(erased).toEqual({
      status: 200,
      body: {
        deletionId: expect.stringMatching(/^del_/),
        profiles: 2,
        identifiers: 4,
        events: 4,
        traitWrites: 2,
        consentRecords: 1,
        merges: 1,
        suppressed: 0,
        subscriptions: 0,
        // Contact suppression is on by default, apart from event suppression.
        contactSuppressed: 1,
      },
    });
    for (const ref of ['userId:u-1', 'anonymousId:laptop', 'email:ada@x.io']) {
      expect((await c.admin('GET', `/v1/profiles/${ref}`)).status).toBe(404);
    }
    for (const event of events) {
      expect((await c.admin('GET', `/v1/events/${event.messageId}`)).status).toBe(404);
    }
    expect(await c.send(...events)).toMatchObject({ accepted: 0, duplicates: 4 });
    expect((await c.admin('GET', '/v1/profiles/userId:u-1')).status).toBe(404);
    expect((await c.profile('userId:someone-else')).eventCount).toBe(1);
    // Without suppression the person may come back as someone new.
    await c.send(msg({ type: 'identify', userId: 'u-1' }));
    expect((await c.profile('userId:u-1')).eventCount).toBe(1);
  });

  it('erasure with suppress=true drops later events carrying any erased identifier, and counts them', async () => {
    const c = await start();
    await c.send(msg({ type: 'identify', userId: 'u-1', anonymousId: 'a', traits: { email: 'ada@x.io' } }));
    const erased = await c.admin('DELETE', '/v1/profiles/userId:u-1?suppress=true');
    expect(erased.body).toMatchObject({ profiles: 1, identifiers: 3, events: 1, suppressed: 3 });
    const later = [
      msg({ type: 'page', anonymousId: 'a' }),
      msg({ type: 'track', event: 'x', anonymousId: 'new-browser', context: { traits: { email: 'ADA@x.io' } } }),
    ];
    expect(await c.send(...later)).toMatchObject({ accepted: 0, duplicates: 0, rejected: [] });
    for (const event of later) expect((await c.admin('GET', `/v1/events/${event.messageId}`)).status).toBe(404);
    expect((await c.admin('GET', '/v1/profiles/anonymousId:new-browser')).status).toBe(404);
    const db = new BetterSqlite3(c.dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT SUM(dropped_events) FROM id_suppressions').pluck().get()).toBe(2);
      // The deletion record holds counts, and nothing personal survives in identity tables.
      const dump = JSON.stringify([
        db.prepare('SELECT * FROM id_deletions').all(),
        db.prepare('SELECT * FROM id_identifiers').all(),
        db.prepare('SELECT detail FROM ingestion_warnings').all(),
      ]);
      expect(dump).not.toMatch(/ada@x\.io|u-1/i);
    } finally {
      db.close();
    }
  });

  it('erasing one person on a shared device keeps the other person and the holding profile', async () => {
    const c = await start();
    await c.send(msg({ type: 'page', anonymousId: 'family-pc' }));
    await c.send(msg({ type: 'identify', userId: 'parent', anonymousId: 'family-pc' }));
    await c.send(msg({ type: 'identify', userId: 'teen', anonymousId: 'family-pc' }));
    const holdingEvent = msg({ type: 'page', anonymousId: 'family-pc' });
    await c.send(holdingEvent);
    const holdingId = (await eventOf(c, holdingEvent)).profileId!;

    const teen = await c.admin('DELETE', '/v1/profiles/userId:teen');
    expect(teen.body).toMatchObject({ profiles: 1, identifiers: 1, events: 1 });
    const parent = await c.profile('userId:parent');
    expect(parent.eventCount).toBe(2);
    expect(parent.identifiers.map((i) => i.value)).toEqual(['parent', 'family-pc']);
    expect((await c.profile(holdingId)).eventCount).toBe(1);

    const erased = await c.admin('DELETE', '/v1/profiles/userId:parent?suppress=true');
    expect(erased.body).toMatchObject({ profiles: 1, identifiers: 2, events: 2 });
    // The holding profile and its event stay (they may be anyone's), but family-pc is no longer readable.
    const hashed = `anonymousId:sha256:${createHash('sha256').update('anonymousId:family-pc').digest('hex')}`;
    expect((await c.profile(holdingId)).holdingFor).toBe(hashed);
    expect((await eventOf(c, holdingEvent)).profileId).toBe(holdingId);
    const held = await c.admin('GET', `/v1/events/${holdingEvent.messageId}`);
    expect(held.body.message.anonymousId).toBe(hashed);
    expect((await c.admin('GET', '/v1/profiles')).body.data.map((p: { id: string }) => p.id)).toEqual([holdingId]);
    const db = new BetterSqlite3(c.dbFile, { readonly: true });
    try {
      const dump = JSON.stringify(
        ['events', 'id_fragments', 'id_identifiers', 'id_trait_writes', 'ingestion_warnings', 'id_deletions'].map(
          (table) => db.prepare(`SELECT * FROM ${table}`).all(),
        ),
      );
      expect(dump).not.toContain('family-pc');
    } finally {
      db.close();
    }
  });
});

describe('profile API', () => {
  it('answers 404 profile_not_found, route_not_found, and refuses write keys', async () => {
    const c = await start();
    const unknown = await c.admin('GET', '/v1/profiles/p_doesnotexist');
    expect(unknown).toEqual({
      status: 404,
      body: { error: { code: 'profile_not_found', message: expect.any(String) } },
    });
    expect((await c.admin('GET', '/v1/profiles/userId:nobody/events')).body.error.code).toBe('profile_not_found');
    const erase = await c.admin('DELETE', '/v1/profiles/userId:nobody');
    expect(erase).toMatchObject({ status: 404, body: { error: { issues: [{ code: 'delete_not_found' }] } } });
    const unmerge = await c.admin('POST', '/v1/profiles/userId:nobody/unmerge');
    expect(unmerge).toMatchObject({ status: 404, body: { error: { issues: [{ code: 'unmerge_not_found' }] } } });
    // A ref value may hold '/' and ':' when URL-encoded as one segment.
    await c.send(msg({ type: 'identify', userId: 'org/42:ada' }));
    expect((await c.profile('userId:org/42:ada')).identifiers[0]?.value).toBe('org/42:ada');
    expect((await c.admin('GET', '/v1/profiles/x/y/z')).body.error.code).toBe('route_not_found');
    const asWriter = await fetch(`${c.url}/v1/profiles`, {
      headers: { authorization: `Bearer ${'wk_identity_e2e_0123456789'}` },
    });
    expect(asWriter.status).toBe(403);
    const bad = await c.admin('POST', '/v1/merges', { from: 'userId:a' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_body');
  });

  it('pages through profiles and a timeline with cursors', async () => {
    const c = await start();
    await c.send(...Array.from({ length: 5 }, (_, i) => msg({ type: 'page', anonymousId: `p-${i}` })));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await c.admin(
        'GET',
        `/v1/profiles?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.data.map((p) => p.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
    const timeline = Array.from({ length: 5 }, () => msg({ type: 'track', event: 'x', anonymousId: 'p-0' }));
    await c.send(...timeline);
    expect(await c.timeline('anonymousId:p-0')).toHaveLength(6);
  });
});
