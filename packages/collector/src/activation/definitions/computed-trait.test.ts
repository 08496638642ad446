import type { ApiIssue } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WINDOW_MS } from '../durations.js';
import { parseComputedTrait } from './computed-trait.js';
import type { DefinitionContext } from './validation.js';

const ctx: DefinitionContext = { maxWindowMs: DEFAULT_MAX_WINDOW_MS, computedTraits: new Map(), audiences: new Map() };

function issuesOf(input: unknown): Pick<ApiIssue, 'path' | 'code'>[] {
  const result = parseComputedTrait(input, ctx);
  if (result.ok) throw new Error('expected a refusal');
  return result.issues.map(({ path, code }) => ({ path, code }));
}

describe('parseComputedTrait accepts', () => {
  it.each([
    { key: 'orders_30d', kind: 'count', event: 'Order Completed', within: '30d' },
    {
      key: 'big_orders',
      kind: 'count',
      event: 'Order Completed',
      where: [{ property: 'total', op: 'gte', value: 50 }],
    },
    { key: 'revenue', kind: 'sum', event: 'Order Completed', property: 'total' },
    { key: 'avg_order', kind: 'avg', event: 'Order Completed', property: 'total', within: '45s' },
    { key: 'first_plan', kind: 'first', event: 'Plan Chosen', property: 'plan', name: 'First plan' },
    { key: 'cats', kind: 'uniqueList', event: 'Viewed', property: 'category', within: '12h' },
    {
      key: 'engagement',
      kind: 'score',
      rules: [
        { when: { event: 'Demo Requested' }, points: 30, maxPerDay: 30 },
        { when: { event: 'Unsubscribed' }, points: -20 },
      ],
      halfLife: '7d',
      min: 0,
      max: 100,
    },
    { key: 'fit', kind: 'score', rules: [{ when: { trait: 'employees', op: 'gte', value: 50 }, points: 20 }] },
    { key: 'windowed', kind: 'score', rules: [{ when: { event: 'Login' }, points: 1 }], within: '30d' },
  ])('$key', (input) => {
    const result = parseComputedTrait(input, ctx);
    expect(result).toEqual({ ok: true, value: input });
  });
});

describe('parseComputedTrait refuses with path and code', () => {
  it.each([
    ['not an object', 'nope', [{ path: [], code: 'invalid_type' }]],
    ['uppercase key', { key: 'Orders', kind: 'count', event: 'x' }, [{ path: ['key'], code: 'invalid_key' }]],
    ['dash in key', { key: 'a-b', kind: 'count', event: 'x' }, [{ path: ['key'], code: 'invalid_key' }]],
    ['missing key', { kind: 'count', event: 'x' }, [{ path: ['key'], code: 'required' }]],
    ['unknown kind', { key: 'a', kind: 'median', event: 'x' }, [{ path: ['kind'], code: 'unknown_kind' }]],
    ['missing event', { key: 'a', kind: 'count' }, [{ path: ['event'], code: 'required' }]],
    ['missing property', { key: 'a', kind: 'sum', event: 'x' }, [{ path: ['property'], code: 'required' }]],
    [
      'property on count',
      { key: 'a', kind: 'count', event: 'x', property: 'p' },
      [{ path: ['property'], code: 'unknown_field' }],
    ],
    [
      'bad duration',
      { key: 'a', kind: 'count', event: 'x', within: '3 weeks' },
      [{ path: ['within'], code: 'invalid_duration' }],
    ],
    [
      'window over max',
      { key: 'a', kind: 'count', event: 'x', within: '401d' },
      [{ path: ['within'], code: 'window_too_long' }],
    ],
    [
      'unknown where op',
      { key: 'a', kind: 'count', event: 'x', where: [{ property: 'p', op: 'like', value: 1 }] },
      [{ path: ['where', 0, 'op'], code: 'unknown_op' }],
    ],
    [
      'in without an array',
      { key: 'a', kind: 'count', event: 'x', where: [{ property: 'p', op: 'in', value: 1 }] },
      [{ path: ['where', 0, 'value'], code: 'invalid_value' }],
    ],
    [
      'exists with a value',
      { key: 'a', kind: 'count', event: 'x', where: [{ property: 'p', op: 'exists', value: 1 }] },
      [{ path: ['where', 0, 'value'], code: 'invalid_value' }],
    ],
    [
      'within and halfLife',
      { key: 's', kind: 'score', rules: [{ when: { event: 'x' }, points: 1 }], within: '1d', halfLife: '1d' },
      [{ path: ['halfLife'], code: 'exclusive_fields' }],
    ],
    ['score without rules', { key: 's', kind: 'score' }, [{ path: ['rules'], code: 'required' }]],
    [
      'bad halfLife',
      { key: 's', kind: 'score', rules: [{ when: { event: 'x' }, points: 1 }], halfLife: '1y' },
      [{ path: ['halfLife'], code: 'invalid_duration' }],
    ],
    [
      'rule without points',
      { key: 's', kind: 'score', rules: [{ when: { event: 'x' } }] },
      [{ path: ['rules', 0, 'points'], code: 'required' }],
    ],
    [
      'rule with an unknown op',
      { key: 's', kind: 'score', rules: [{ when: { trait: 'plan', op: 'is', value: 'pro' }, points: 5 }] },
      [{ path: ['rules', 0, 'when', 'op'], code: 'unknown_op' }],
    ],
    [
      'maxPerDay on a fit rule',
      { key: 's', kind: 'score', rules: [{ when: { trait: 'plan', op: 'exists' }, points: 5, maxPerDay: 5 }] },
      [{ path: ['rules', 0, 'maxPerDay'], code: 'invalid_value' }],
    ],
    [
      'min above max',
      { key: 's', kind: 'score', rules: [{ when: { event: 'x' }, points: 1 }], min: 10, max: 0 },
      [{ path: ['min'], code: 'invalid_value' }],
    ],
  ])('%s', (_name, input, expected) => expect(issuesOf(input)).toEqual(expected));

  it('honours a configured maximum window', () => {
    const small = { ...ctx, maxWindowMs: 60_000 };
    const result = parseComputedTrait({ key: 'a', kind: 'count', event: 'x', within: '2m' }, small);
    expect(result.ok ? [] : result.issues.map((issue) => issue.code)).toEqual(['window_too_long']);
  });
});
