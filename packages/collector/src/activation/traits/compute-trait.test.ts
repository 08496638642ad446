import type { ComputedTraitDefinition, JsonObject, JsonValue } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { evaluateProfile } from '../evaluate-profile.js';
import type { FactEvent } from '../facts.js';

const S = 1000;
const NOW = Date.UTC(2026, 0, 10);
let seq = 0;
const order = (secondsAgo: number, properties: JsonObject, name = 'Order Completed'): FactEvent => ({
  messageId: `m${seq++}`,
  type: 'track',
  name,
  at: NOW - secondsAgo * S,
  properties,
});

// Deliberately out of time order: results must not depend on it.
const EVENTS: FactEvent[] = [
  order(5, { total: 20, category: 'books' }),
  order(100, { total: 80, category: 'games' }),
  order(30, { total: 50, category: 'books' }),
  order(2, { total: 'n/a', category: 'toys' }),
  order(10, { total: 10 }, 'Cart Viewed'),
  { messageId: 'p1', type: 'page', name: 'Order Completed', at: NOW - S, properties: { total: 1000 } },
];

function evaluate(definition: Omit<ComputedTraitDefinition, 'key'>, events = EVENTS) {
  const def = { key: 't', ...definition } as ComputedTraitDefinition;
  const result = evaluateProfile(
    { computedTraits: new Map([['t', def]]), audiences: new Map() },
    { traits: {}, events, now: NOW },
  );
  return result.computed.t!;
}

const base = { event: 'Order Completed' } as const;
const big: Pick<ComputedTraitDefinition, 'where'> = { where: [{ property: 'total', op: 'gte', value: 50 }] };

describe('computed traits over all history, in a window, and filtered', () => {
  const table: [string, Omit<ComputedTraitDefinition, 'key'>, JsonValue, number | null][] = [
    ['count', { kind: 'count', ...base }, 4, null],
    ['count within 60s', { kind: 'count', ...base, within: '60s' }, 3, NOW + 30 * S],
    ['count where total >= 50', { kind: 'count', ...base, ...big }, 2, null],
    ['count where, within 60s', { kind: 'count', ...base, ...big, within: '60s' }, 1, NOW + 30 * S],
    ['sum (non-numbers ignored)', { kind: 'sum', ...base, property: 'total' }, 150, null],
    ['sum within 10s', { kind: 'sum', ...base, property: 'total', within: '10s' }, 20, NOW + 5 * S],
    ['sum where', { kind: 'sum', ...base, property: 'total', ...big }, 130, null],
    ['avg', { kind: 'avg', ...base, property: 'total' }, 50, null],
    ['avg within 1s (no numbers) is null', { kind: 'avg', ...base, property: 'total', within: '1s' }, null, null],
    ['min', { kind: 'min', ...base, property: 'total' }, 20, null],
    ['min within 60s', { kind: 'min', ...base, property: 'total', within: '60s' }, 20, NOW + 55 * S],
    ['max', { kind: 'max', ...base, property: 'total' }, 80, null],
    ['max within 60s', { kind: 'max', ...base, property: 'total', within: '60s' }, 50, NOW + 30 * S],
    [
      'max where',
      { kind: 'max', ...base, property: 'total', where: [{ property: 'total', op: 'lt', value: 50 }] },
      20,
      null,
    ],
    ['first', { kind: 'first', ...base, property: 'category' }, 'games', null],
    ['first within 60s', { kind: 'first', ...base, property: 'category', within: '60s' }, 'books', NOW + 55 * S],
    ['last', { kind: 'last', ...base, property: 'category' }, 'toys', null],
    ['last where', { kind: 'last', ...base, property: 'category', ...big }, 'books', null],
    ['mostFrequent', { kind: 'mostFrequent', ...base, property: 'category' }, 'books', null],
    // books (5 s ago) and toys (2 s ago) tie at one each: the most recent wins.
    [
      'mostFrequent within 10s',
      { kind: 'mostFrequent', ...base, property: 'category', within: '10s' },
      'toys',
      NOW + 8 * S,
    ],
    ['uniqueList', { kind: 'uniqueList', ...base, property: 'category' }, ['games', 'books', 'toys'], null],
    [
      'uniqueList within 10s',
      { kind: 'uniqueList', ...base, property: 'category', within: '10s' },
      ['books', 'toys'],
      NOW + 5 * S,
    ],
    ['uniqueCount', { kind: 'uniqueCount', ...base, property: 'category' }, 3, null],
    ['uniqueCount where', { kind: 'uniqueCount', ...base, property: 'category', ...big }, 2, null],
    ['count of an event never seen', { kind: 'count', event: 'Refund' }, 0, null],
  ];
  it.each(table)('%s', (_name, definition, value, changesAt) => {
    expect(evaluate(definition)).toEqual({ value, changesAt });
  });

  it('ignores the order of facts.events', () => {
    const reversed = [...EVENTS].reverse();
    for (const [, definition] of table) expect(evaluate(definition, reversed)).toEqual(evaluate(definition));
  });
});

describe('time', () => {
  it('an event at exactly now - within has aged out; one a ms younger counts', () => {
    const events = [order(60, { total: 1 }), { ...order(0, { total: 2 }), at: NOW - 60 * S + 1 }];
    expect(evaluate({ kind: 'sum', ...base, property: 'total', within: '60s' }, events)).toEqual({
      value: 2,
      changesAt: NOW + 1,
    });
  });

  it('a future-dated event counts from its own instant', () => {
    const events = [order(-20, { total: 7 }), order(5, { total: 1 })];
    expect(evaluate({ kind: 'count', ...base }, events)).toEqual({ value: 1, changesAt: NOW + 20 * S });
    // Within 10 s: the past event leaves at +5 s (value 0), the future one enters at +20 s.
    expect(evaluate({ kind: 'count', ...base, within: '10s' }, events)).toEqual({ value: 1, changesAt: NOW + 5 * S });
  });

  it('skips instants at which the value stays the same', () => {
    // max stays 80 when the 20 leaves at +5 s; it changes when the 80 leaves at +20 s.
    const events = [order(10, { total: 80 }), order(25, { total: 20 })];
    expect(evaluate({ kind: 'max', ...base, property: 'total', within: '30s' }, events)).toEqual({
      value: 80,
      changesAt: NOW + 20 * S,
    });
  });
});
