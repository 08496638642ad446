/**
 * Computed traits over real HTTP against a real collector (temp SQLite file):
 * every kind with and without windows and filters, scores, backfill,
 * duplicates, out-of-order events and refused definitions. The pure table
 * tests in `src/activation` cover the semantics exhaustively; these cover the
 * wiring from ingest to the profile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigFile } from '../config/config-schema.js';
import { startTestCollector, type TestCollector } from '../test/harness.js';
import { admin, create, profile, send, trackAt, waitLive } from './activation-http.support.js';

const MINUTE_MS = 60_000;

describe('computed traits over HTTP', () => {
  let collector: TestCollector;
  beforeAll(async () => {
    collector = await startTestCollector();
  });
  afterAll(async () => {
    await collector.stop();
  });

  it('computes every kind, windowed and filtered, in the event transaction; old events count where they belong', async () => {
    const order = { event: 'Order Completed' };
    const big = { where: [{ property: 'total', op: 'gte', value: 50 }] };
    const definitions = [
      { key: 'orders', kind: 'count', ...order },
      { key: 'big_orders_1h', kind: 'count', ...order, ...big, within: '1h' },
      { key: 'revenue', kind: 'sum', ...order, property: 'total' },
      { key: 'revenue_1h', kind: 'sum', ...order, property: 'total', within: '1h' },
      { key: 'basket_avg', kind: 'avg', ...order, property: 'total' },
      { key: 'smallest_1h', kind: 'min', ...order, property: 'total', within: '1h' },
      { key: 'largest', kind: 'max', ...order, property: 'total' },
      { key: 'first_category', kind: 'first', ...order, property: 'category' },
      { key: 'last_big_category', kind: 'last', ...order, ...big, property: 'category' },
      { key: 'top_category', kind: 'mostFrequent', ...order, property: 'category' },
      { key: 'categories', kind: 'uniqueList', ...order, property: 'category' },
      { key: 'category_count', kind: 'uniqueCount', ...order, property: 'category' },
    ];
    for (const definition of definitions) {
      expect(await create(collector, '/v1/computed-traits', definition)).toMatchObject({
        ...definition,
        status: expect.stringMatching(/^(backfilling|live)$/),
        createdAt: expect.any(String),
      });
    }
    await waitLive(collector);
    const now = Date.now();
    const at = (minutesAgo: number) => now - minutesAgo * MINUTE_MS;
    const late = trackAt('kinds', 'Order Completed', at(120), { properties: { total: 80, category: 'games' } });
    await send(
      collector,
      trackAt('kinds', 'Order Completed', at(10), { properties: { total: 20, category: 'books' } }),
      trackAt('kinds', 'Order Completed', at(30), { properties: { total: 50, category: 'books' } }),
      trackAt('kinds', 'Order Completed', at(1), { properties: { total: 'n/a', category: 'toys' } }),
      trackAt('kinds', 'Cart Viewed', at(1), { properties: { total: 1000 } }),
    );
    const before = await profile(collector, 'anonymousId:kinds');
    expect(before.computed).toMatchObject({ orders: 3, revenue: 70, first_category: 'books' });
    // An event from two hours ago arrives last: it counts in all-history traits, not in the 1 h windows.
    await send(collector, late);
    // A duplicate is acknowledged and never counted again.
    expect(await send(collector, late)).toMatchObject({ duplicates: 1 });
    const after = await profile(collector, 'anonymousId:kinds');
    expect(after.computed).toEqual({
      orders: 4,
      big_orders_1h: 1,
      revenue: 150,
      revenue_1h: 70,
      basket_avg: 50,
      smallest_1h: 20,
      largest: 80,
      first_category: 'games',
      last_big_category: 'books',
      top_category: 'books',
      categories: ['games', 'books', 'toys'],
      category_count: 3,
    });
    expect(Date.parse(after.computedAt)).toBeGreaterThanOrEqual(now);
    for (const { key } of definitions) {
      expect((await admin(collector, 'DELETE', `/v1/computed-traits/${key}`)).status).toBe(204);
    }
  });

  it('scores fit from traits and engagement from events, with caps, negative points and decay', async () => {
    await create(collector, '/v1/computed-traits', {
      key: 'fit',
      kind: 'score',
      rules: [
        { when: { trait: 'plan', op: 'eq', value: 'pro' }, points: 30 },
        { when: { trait: 'employees', op: 'gte', value: 100 }, points: 20 },
      ],
      max: 40,
    });
    await create(collector, '/v1/computed-traits', {
      key: 'engagement',
      kind: 'score',
      rules: [
        { when: { event: 'Email Opened' }, points: 10, maxPerDay: 20 },
        { when: { event: 'Unsubscribed' }, points: -50 },
      ],
      min: 0,
      halfLife: '30d',
    });
    await create(collector, '/v1/computed-traits', {
      key: 'recency',
      kind: 'score',
      rules: [{ when: { event: 'Demo Requested' }, points: 100 }],
      halfLife: '1h',
    });
    await waitLive(collector);
    const now = Date.now();
    await send(
      collector,
      { type: 'identify', anonymousId: 'lead', traits: { plan: 'pro', employees: 500 }, messageId: `fit-${now}` },
      trackAt('lead', 'Email Opened', now),
      trackAt('lead', 'Email Opened', now),
      trackAt('lead', 'Email Opened', now),
      trackAt('lead', 'Demo Requested', now - 60 * MINUTE_MS),
    );
    const scored = await profile(collector, 'anonymousId:lead');
    // 30 + 20 capped at 40; three opens capped at 20 a day; 100 points one half-life ago.
    expect(scored.computed.fit).toBe(40);
    expect(scored.computed.engagement).toBeCloseTo(20, 1);
    expect(scored.computed.recency).toBeCloseTo(50, 0);
    await send(collector, trackAt('lead', 'Unsubscribed', now));
    expect((await profile(collector, 'anonymousId:lead')).computed.engagement).toBe(0);
    // An identify changing a trait a fit rule reads re-evaluates the profile.
    await send(collector, {
      type: 'identify',
      anonymousId: 'lead',
      traits: { plan: 'free' },
      messageId: `fit2-${now}`,
    });
    expect((await profile(collector, 'anonymousId:lead')).computed.fit).toBe(20);
  });

  it('backfills a definition created after the events', async () => {
    await send(collector, trackAt('early', 'Signup Finished'), trackAt('early', 'Signup Finished'));
    const created = await create(collector, '/v1/computed-traits', {
      key: 'signups',
      kind: 'count',
      event: 'Signup Finished',
    });
    expect(created.status).toBe('backfilling');
    await waitLive(collector);
    expect((await admin(collector, 'GET', '/v1/computed-traits/signups')).body.status).toBe('live');
    expect((await profile(collector, 'anonymousId:early')).computed.signups).toBe(2);
  });

  it('reads, replaces and deletes definitions; refuses duplicates, unknown keys and deleting one in use', async () => {
    const definition = { key: 'visits', kind: 'count', event: 'Visit' };
    await create(collector, '/v1/computed-traits', definition);
    expect(await admin(collector, 'POST', '/v1/computed-traits', definition)).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', issues: [{ path: ['key'], code: 'definition_exists' }] } },
    });
    const replaced = await admin(collector, 'PUT', '/v1/computed-traits/visits', {
      kind: 'count',
      event: 'Visit',
      within: '7d',
    });
    expect(replaced).toMatchObject({ status: 200, body: { key: 'visits', within: '7d', status: 'backfilling' } });
    expect(
      (await admin(collector, 'GET', '/v1/computed-traits')).body.data.map((d: { key: string }) => d.key),
    ).toContain('visits');
    expect(await admin(collector, 'PUT', '/v1/computed-traits/visits', { ...definition, key: 'other' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_definition', issues: [{ path: ['key'] }] } },
    });
    await create(collector, '/v1/audiences', {
      key: 'visitors',
      name: 'Visitors',
      condition: { computed: 'visits', op: 'gte', value: 1 },
    });
    expect(await admin(collector, 'DELETE', '/v1/computed-traits/visits')).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', issues: [{ path: ['audiences', 'visitors'], code: 'referenced' }] } },
    });
    expect((await admin(collector, 'DELETE', '/v1/audiences/visitors')).status).toBe(204);
    expect((await admin(collector, 'DELETE', '/v1/computed-traits/visits')).status).toBe(204);
    for (const method of ['GET', 'DELETE']) {
      expect(await admin(collector, method, '/v1/computed-traits/visits')).toMatchObject({
        status: 404,
        body: { error: { code: 'computed_trait_not_found' } },
      });
    }
    expect((await admin(collector, 'PUT', '/v1/computed-traits/visits', definition)).status).toBe(404);
  });

  it('answers 400 invalid_definition naming the path: unknown op, bad duration, window too long, unknown reference', async () => {
    const cases: [object, (string | number)[], string][] = [
      [
        { key: 'a', kind: 'count', event: 'X', where: [{ property: 'p', op: 'matches', value: 1 }] },
        ['where', 0, 'op'],
        'unknown_op',
      ],
      [{ key: 'b', kind: 'count', event: 'X', within: '5x' }, ['within'], 'invalid_duration'],
      [{ key: 'c', kind: 'count', event: 'X', within: '401d' }, ['within'], 'window_too_long'],
      [{ key: 'Bad Key', kind: 'count', event: 'X' }, ['key'], 'invalid_key'],
    ];
    for (const [definition, path, code] of cases) {
      const answer = await admin(collector, 'POST', '/v1/computed-traits', definition);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_definition');
      expect(answer.body.error.issues).toContainEqual(expect.objectContaining({ path, code }));
    }
    const unknown = await admin(collector, 'POST', '/v1/audiences', {
      key: 'd',
      name: 'D',
      condition: {
        all: [
          { trait: 'plan', op: 'exists' },
          { computed: 'nope', op: 'gt', value: 1 },
        ],
      },
    });
    expect(unknown.body.error.issues).toContainEqual(
      expect.objectContaining({ path: ['condition', 'all', 1, 'computed'], code: 'unknown_reference' }),
    );
    expect((await admin(collector, 'POST', '/v1/computed-traits', '{')).body.error.code).toBe('invalid_definition');
  });

  it('takes the admin key only', async () => {
    // A write key is refused: sent the way ingest takes it (Basic) it is the wrong scheme, as Bearer it cannot read.
    const basicAnswer = await collector.send('/v1/computed-traits', { key: 'x', kind: 'count', event: 'X' });
    expect(basicAnswer.status).toBe(401);
    const bearerAnswer = await collector.send(
      '/v1/computed-traits',
      { key: 'x', kind: 'count', event: 'X' },
      { headers: { authorization: `Bearer ${collector.writeKey}` } },
    );
    expect(bearerAnswer.status).toBe(403);
  });
});

describe('config activation.maxWindow', () => {
  it('bounds every window and half-life; a malformed one stops the start', async () => {
    expect(() => parseConfigFile({ activation: { maxWindow: '5x' } })).toThrow(/activation\.maxWindow/);
    expect(parseConfigFile({}).activation).toEqual({ maxWindowMs: 400 * 24 * 3_600_000, schedulerLeaseMs: 30_000 });
    const collector = await startTestCollector({ config: { activation: { maxWindow: '1h' } } });
    try {
      const long = await admin(collector, 'POST', '/v1/computed-traits', {
        key: 'decaying',
        kind: 'score',
        rules: [{ when: { event: 'X' }, points: 1 }],
        halfLife: '2h',
      });
      expect(long.status).toBe(400);
      expect(long.body.error.issues).toContainEqual(
        expect.objectContaining({ path: ['halfLife'], code: 'window_too_long' }),
      );
      expect(
        (
          await admin(collector, 'POST', '/v1/computed-traits', {
            key: 'hourly',
            kind: 'count',
            event: 'X',
            within: '1h',
          })
        ).status,
      ).toBe(201);
    } finally {
      await collector.stop();
    }
  });
});
