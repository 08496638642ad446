import type { ApiIssue, AudienceDefinition, ComputedTraitDefinition } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WINDOW_MS } from '../durations.js';
import { parseAudience } from './audience.js';
import type { DefinitionContext } from './validation.js';

const orders: ComputedTraitDefinition = { key: 'orders_30d', kind: 'count', event: 'Order Completed', within: '30d' };
const audience = (key: string, condition: AudienceDefinition['condition']): AudienceDefinition => ({
  key,
  name: key,
  condition,
});
const ctx: DefinitionContext = {
  maxWindowMs: DEFAULT_MAX_WINDOW_MS,
  computedTraits: new Map([['orders_30d', orders]]),
  audiences: new Map([
    ['buyers', audience('buyers', { event: 'Order Completed' })],
    // b -> c -> a (a is not stored yet), used by the indirect cycle case.
    ['b', audience('b', { audience: 'c' })],
    ['c', audience('c', { any: [{ trait: 'vip', op: 'exists' }, { audience: 'a' }] })],
  ]),
};

function issuesOf(input: unknown, context = ctx): Pick<ApiIssue, 'path' | 'code'>[] {
  const result = parseAudience(input, context);
  if (result.ok) throw new Error('expected a refusal');
  return result.issues.map(({ path, code }) => ({ path, code }));
}

describe('parseAudience accepts', () => {
  it.each([
    audience('pros', { trait: 'plan', op: 'eq', value: 'pro' }),
    audience('active', { computed: 'orders_30d', op: 'gte', value: 2 }),
    audience('lapsed', {
      all: [
        { event: 'Order Completed', count: { op: 'gte', value: 1 } },
        { event: 'Order Completed', within: '5s', count: { op: 'eq', value: 0 } },
      ],
    }),
    audience('mixed', {
      any: [
        { not: { audience: 'buyers' } },
        { event: 'Viewed', where: [{ property: 'url', op: 'startsWith', value: '/pricing' }], within: '10m' },
      ],
    }),
    { ...audience('loud', { trait: 'email', op: 'exists' }), emitOnCreate: true, description: 'has email' },
  ])('$key', (input) => expect(parseAudience(input, ctx)).toEqual({ ok: true, value: input }));

  it('accepts redefining a stored audience when no cycle results', () => {
    const result = parseAudience(audience('c', { trait: 'vip', op: 'exists' }), ctx);
    expect(result.ok).toBe(true);
  });
});

describe('parseAudience refuses with path and code', () => {
  it.each([
    [
      'bad key',
      { key: 'Bad Key', name: 'x', condition: { trait: 'a', op: 'exists' } },
      [{ path: ['key'], code: 'invalid_key' }],
    ],
    ['missing condition', { key: 'a', name: 'x' }, [{ path: ['condition'], code: 'required' }]],
    [
      'unknown op deep in the tree',
      audience('a', {
        all: [{ trait: 'plan', op: 'exists' }, { any: [{ trait: 'plan', op: 'matches', value: 'x' } as never] }],
      }),
      [{ path: ['condition', 'all', 1, 'any', 0, 'op'], code: 'unknown_op' }],
    ],
    [
      'bad duration',
      audience('a', { event: 'x', within: '5 days' }),
      [{ path: ['condition', 'within'], code: 'invalid_duration' }],
    ],
    [
      'window over max',
      audience('a', { not: { event: 'x', within: '500d' } }),
      [{ path: ['condition', 'not', 'within'], code: 'window_too_long' }],
    ],
    [
      'bad count',
      audience('a', { event: 'x', count: { op: 'in', value: [1] } } as never),
      [{ path: ['condition', 'count', 'op'], code: 'unknown_op' }],
    ],
    [
      'negative count',
      audience('a', { event: 'x', count: { op: 'gte', value: -1 } }),
      [{ path: ['condition', 'count', 'value'], code: 'invalid_value' }],
    ],
    [
      'unknown computed trait',
      audience('a', { computed: 'ltv', op: 'gt', value: 1 }),
      [{ path: ['condition', 'computed'], code: 'unknown_reference' }],
    ],
    [
      'unknown audience',
      audience('a', { any: [{ audience: 'nobody' }] }),
      [{ path: ['condition', 'any', 0, 'audience'], code: 'unknown_reference' }],
    ],
    ['self reference', audience('a', { audience: 'a' }), [{ path: ['condition', 'audience'], code: 'cycle' }]],
    [
      'indirect cycle a -> b -> c -> a',
      audience('a', { all: [{ trait: 'x', op: 'exists' }, { audience: 'b' }] }),
      [{ path: ['condition', 'all', 1, 'audience'], code: 'cycle' }],
    ],
    [
      'direct cycle when redefining c to need b while b needs c',
      audience('c', { audience: 'b' }),
      [{ path: ['condition', 'audience'], code: 'cycle' }],
    ],
    ['empty all', audience('a', { all: [] }), [{ path: ['condition', 'all'], code: 'invalid_type' }]],
    ['no kind of node', audience('a', { foo: 1 } as never), [{ path: ['condition'], code: 'invalid_type' }]],
    [
      'extra field on a node',
      audience('a', { trait: 'plan', op: 'exists', within: '1d' } as never),
      [{ path: ['condition', 'within'], code: 'unknown_field' }],
    ],
  ])('%s', (_name, input, expected) => expect(issuesOf(input)).toEqual(expected));

  it('names the cycle in the message', () => {
    const result = parseAudience(audience('a', { audience: 'b' }), ctx);
    expect(result.ok ? '' : result.issues[0]!.message).toContain('a -> b -> c -> a');
  });

  it('refuses trees nested too deep', () => {
    let condition: AudienceDefinition['condition'] = { trait: 'x', op: 'exists' };
    for (let depth = 0; depth < 20; depth++) condition = { not: condition };
    expect(issuesOf(audience('deep', condition)).map((issue) => issue.code)).toContain('too_complex');
  });
});
