import type { AudienceCondition, AudienceDefinition, ComputedTraitDefinition, JsonObject } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { evaluateProfile, readsTraits, relevantEvents } from '../evaluate-profile.js';
import { explainAudience } from '../explain.js';
import type { Definitions, FactEvent } from '../facts.js';

const S = 1000;
const NOW = Date.UTC(2026, 0, 10);
let seq = 0;
const ev = (name: string, at: number, properties: JsonObject = {}): FactEvent => ({
  messageId: `a${seq++}`,
  type: 'track',
  name,
  at,
  properties,
});
const aud = (key: string, condition: AudienceCondition): AudienceDefinition => ({ key, name: key, condition });
const orders30: ComputedTraitDefinition = { key: 'orders_30s', kind: 'count', event: 'Order Completed', within: '30s' };
const defs = (...audiences: AudienceDefinition[]): Definitions => ({
  computedTraits: new Map([['orders_30s', orders30]]),
  audiences: new Map(audiences.map((a) => [a.key, a])),
});
const member = (d: Definitions, key: string, events: FactEvent[], traits: JsonObject = {}, now = NOW) =>
  evaluateProfile(d, { traits, events, now }).audiences[key]!;

const pro: AudienceCondition = { trait: 'plan', op: 'eq', value: 'pro' };
const big: AudienceCondition = { trait: 'employees', op: 'gte', value: 50 };

describe('combinators', () => {
  it.each([
    ['all true', { all: [pro, big] }, { plan: 'pro', employees: 60 }, true],
    ['all false', { all: [pro, big] }, { plan: 'pro', employees: 6 }, false],
    ['any true', { any: [pro, big] }, { plan: 'free', employees: 60 }, true],
    ['any false', { any: [pro, big] }, { plan: 'free', employees: 6 }, false],
    ['not', { not: pro }, { plan: 'free' }, true],
    ['not of missing trait', { not: pro }, {}, true],
    ['nested', { all: [{ not: { any: [pro, big] } }, { trait: 'email', op: 'exists' }] }, { email: 'a@b.c' }, true],
  ] as [string, AudienceCondition, JsonObject, boolean][])('%s', (_name, condition, traits, expected) => {
    expect(member(defs(aud('a', condition)), 'a', [], traits)).toEqual({ member: expected, changesAt: null });
  });
});

describe('event conditions and time', () => {
  const lastPurchase = NOW - 2 * S;
  const purchases = [ev('Order Completed', NOW - 20 * S), ev('Order Completed', lastPurchase)];

  it('"bought before but not in the last 5 s" enters at lastPurchase + 5 s', () => {
    const lapsed = aud('lapsed', {
      all: [
        { event: 'Order Completed', count: { op: 'gte', value: 1 } },
        { event: 'Order Completed', within: '5s', count: { op: 'eq', value: 0 } },
      ],
    });
    const d = defs(lapsed);
    expect(member(d, 'lapsed', purchases)).toEqual({ member: false, changesAt: lastPurchase + 5 * S });
    expect(member(d, 'lapsed', purchases, {}, lastPurchase + 5 * S - 1).member).toBe(false);
    expect(member(d, 'lapsed', purchases, {}, lastPurchase + 5 * S)).toEqual({ member: true, changesAt: null });
    expect(member(d, 'lapsed', [])).toEqual({ member: false, changesAt: null });
  });

  it('exits when the last qualifying event ages out, not the first', () => {
    const recent = defs(aud('recent', { event: 'Order Completed', within: '30s' }));
    expect(member(recent, 'recent', purchases)).toEqual({ member: true, changesAt: lastPurchase + 30 * S });
  });

  it('counts with where filters and count operators', () => {
    const events = [
      ev('Order Completed', NOW - 10 * S, { total: 80 }),
      ev('Order Completed', NOW - 5 * S, { total: 10 }),
      ev('Order Completed', NOW - 3 * S, { total: 60 }),
    ];
    const d = defs(
      aud('two_big', {
        event: 'Order Completed',
        where: [{ property: 'total', op: 'gte', value: 50 }],
        count: { op: 'gte', value: 2 },
        within: '60s',
      }),
    );
    expect(member(d, 'two_big', events)).toEqual({ member: true, changesAt: NOW + 50 * S });
  });

  it('uses computed traits and reports when their predicate flips', () => {
    const d = defs(aud('repeat', { computed: 'orders_30s', op: 'gte', value: 2 }));
    // The order 20 s ago leaves at +10 s: the count drops to 1 and the audience is left.
    expect(member(d, 'repeat', purchases)).toEqual({ member: true, changesAt: NOW + 10 * S });
  });

  it('a future-dated event enters the audience at its instant', () => {
    const d = defs(aud('recent', { event: 'Order Completed', within: '30s' }));
    expect(member(d, 'recent', [ev('Order Completed', NOW + 4 * S)])).toEqual({
      member: false,
      changesAt: NOW + 4 * S,
    });
  });

  it('ignores the order of facts.events', () => {
    const d = defs(aud('repeat', { computed: 'orders_30s', op: 'gte', value: 2 }));
    expect(member(d, 'repeat', [...purchases].reverse())).toEqual(member(d, 'repeat', purchases));
  });
});

describe('audiences of audiences', () => {
  const recent = aud('recent', { event: 'Order Completed', within: '30s' });
  const vip = aud('vip', { all: [{ audience: 'recent' }, pro] });
  const notVip = aud('not_vip', { not: { audience: 'vip' } });
  const d = defs(notVip, vip, recent);
  const events = [ev('Order Completed', NOW - 10 * S)];

  it('follows references, in any definition order, with their changesAt', () => {
    const result = evaluateProfile(d, { traits: { plan: 'pro' }, events, now: NOW });
    expect(result.audiences).toEqual({
      not_vip: { member: false, changesAt: NOW + 20 * S },
      vip: { member: true, changesAt: NOW + 20 * S },
      recent: { member: true, changesAt: NOW + 20 * S },
    });
    expect(result.nextChangeAt).toBe(NOW + 20 * S);
  });

  it('explains each node with its value, what it compared, and when it flips', () => {
    const explained = explainAudience(d, 'not_vip', { traits: { plan: 'pro' }, events, now: NOW });
    const iso = new Date(NOW + 20 * S).toISOString();
    expect(explained).toEqual({
      node: notVip.condition,
      value: false,
      changesAt: iso,
      children: [
        {
          node: { audience: 'vip' },
          value: true,
          changesAt: iso,
          children: [
            {
              node: vip.condition,
              value: true,
              changesAt: iso,
              children: [
                {
                  node: { audience: 'recent' },
                  value: true,
                  changesAt: iso,
                  children: [{ node: recent.condition, value: true, actual: 1, changesAt: iso }],
                },
                { node: pro, value: true, actual: 'pro', changesAt: null },
              ],
            },
          ],
        },
      ],
    });
    expect(explainAudience(d, 'missing', { traits: {}, events, now: NOW })).toBeNull();
  });

  it('lists what the definitions read', () => {
    const withScore: Definitions = {
      computedTraits: new Map([
        ...d.computedTraits,
        [
          'fit',
          {
            key: 'fit',
            kind: 'score',
            rules: [
              { when: { trait: 'company.size', op: 'gte', value: 50 }, points: 10 },
              { when: { event: 'Demo Requested' }, points: 5 },
            ],
          },
        ],
      ]),
      audiences: d.audiences,
    };
    expect(relevantEvents(withScore)).toEqual({
      names: new Set(['Order Completed', 'Demo Requested']),
      types: new Set(['track']),
      all: false,
    });
    expect(readsTraits(withScore)).toEqual(new Set(['company.size', 'company', 'plan']));
  });
});
