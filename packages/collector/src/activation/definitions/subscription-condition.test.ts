import type { ApiIssue, AudienceDefinition } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WINDOW_MS } from '../durations.js';
import { parseAudience } from './audience.js';
import type { DefinitionContext } from './validation.js';

const ctx: DefinitionContext = { maxWindowMs: DEFAULT_MAX_WINDOW_MS, computedTraits: new Map(), audiences: new Map() };
const audience = (condition: unknown) => ({ key: 'reachable', name: 'Reachable', condition }) as AudienceDefinition;

function issuesOf(condition: unknown): Pick<ApiIssue, 'path' | 'code'>[] {
  const result = parseAudience(audience(condition), ctx);
  if (result.ok) throw new Error('expected a refusal');
  return result.issues.map(({ path, code }) => ({ path, code }));
}

describe('subscription nodes: parseAudience accepts', () => {
  it.each([
    ['a topic, allowed', { subscription: { channel: 'email', topic: 'offers' }, op: 'allowed' }],
    ['the channel itself, notAllowed', { subscription: { channel: 'sms' }, op: 'notAllowed' }],
    [
      'inside combinators',
      {
        all: [
          { trait: 'plan', op: 'eq', value: 'pro' },
          { not: { subscription: { channel: 'whatsapp', topic: 'alerts' }, op: 'allowed' } },
        ],
      },
    ],
  ])('%s', (_name, condition) =>
    expect(parseAudience(audience(condition), ctx)).toEqual({ ok: true, value: audience(condition) }),
  );

  it('trims the topic as check does', () => {
    const result = parseAudience(
      audience({ subscription: { channel: 'email', topic: ' offers ' }, op: 'allowed' }),
      ctx,
    );
    expect(result.ok && result.value.condition).toEqual({
      subscription: { channel: 'email', topic: 'offers' },
      op: 'allowed',
    });
  });
});

describe('subscription nodes: parseAudience refuses with path and code', () => {
  it.each([
    [
      'unknown channel',
      { subscription: { channel: 'fax' }, op: 'allowed' },
      [{ path: ['condition', 'subscription', 'channel'], code: 'invalid_value' }],
    ],
    [
      'missing channel',
      { subscription: { topic: 'offers' }, op: 'allowed' },
      [{ path: ['condition', 'subscription', 'channel'], code: 'required' }],
    ],
    [
      'empty topic',
      { subscription: { channel: 'email', topic: '  ' }, op: 'allowed' },
      [{ path: ['condition', 'subscription', 'topic'], code: 'invalid_value' }],
    ],
    [
      'topic too long',
      { subscription: { channel: 'email', topic: 'x'.repeat(101) }, op: 'allowed' },
      [{ path: ['condition', 'subscription', 'topic'], code: 'invalid_value' }],
    ],
    [
      'not an object',
      { subscription: 'email', op: 'allowed' },
      [{ path: ['condition', 'subscription'], code: 'invalid_type' }],
    ],
    [
      'unknown op',
      { subscription: { channel: 'email' }, op: 'eq' },
      [{ path: ['condition', 'op'], code: 'unknown_op' }],
    ],
    ['missing op', { subscription: { channel: 'email' } }, [{ path: ['condition', 'op'], code: 'unknown_op' }]],
    [
      'extra field in target',
      { subscription: { channel: 'email', address: 'a@b.c' }, op: 'allowed' },
      [{ path: ['condition', 'subscription', 'address'], code: 'unknown_field' }],
    ],
    [
      'extra field on the node',
      { subscription: { channel: 'email' }, op: 'allowed', value: true },
      [{ path: ['condition', 'value'], code: 'unknown_field' }],
    ],
    [
      'deep in a tree',
      { any: [{ trait: 'x', op: 'exists' }, { not: { subscription: { channel: 'post' }, op: 'allowed' } }] },
      [{ path: ['condition', 'any', 1, 'not', 'subscription', 'channel'], code: 'invalid_value' }],
    ],
  ])('%s', (_name, condition, expected) => expect(issuesOf(condition)).toEqual(expected));
});
