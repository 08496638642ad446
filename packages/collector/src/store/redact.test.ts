import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from '../identity/config.js';
import { redactIdentifiers } from './redact.js';

const hashed = (key: string) => `${key.split(':')[0]}:sha256:${createHash('sha256').update(key).digest('hex')}`;
const erased = [
  { type: 'anonymousId', value: 'a-1' },
  { type: 'email', value: 'ada@x.io' },
  { type: 'phone', value: '+33612345678' },
];

describe('redactIdentifiers', () => {
  it.each([
    ['an exact opaque value', { anonymousId: 'a-1' }, { anonymousId: hashed('anonymousId:a-1') }, 1],
    [
      'a padded opaque value anywhere',
      { properties: { ref: [' a-1 '] } },
      { properties: { ref: [hashed('anonymousId:a-1')] } },
      1,
    ],
    ['an email in another case', { traits: { email: 'ADA@x.io' } }, { traits: { email: hashed('email:ada@x.io') } }, 1],
    [
      'a phone as written',
      { context: { traits: { phone: '0033 6 12 34 56 78' } } },
      { context: { traits: { phone: hashed('phone:+33612345678') } } },
      1,
    ],
    [
      'values of other people',
      { anonymousId: 'a-2', userId: 'a-1x', n: 1 },
      { anonymousId: 'a-2', userId: 'a-1x', n: 1 },
      0,
    ],
    ['keys, which are not values', { 'a-1': true }, { 'a-1': true }, 0],
  ])('%s', (_name, input, output, replaced) => {
    expect(redactIdentifiers(input, erased, DEFAULT_IDENTITY_CONFIG)).toEqual({ value: output, replaced });
  });

  it('keeps a __proto__ key as plain data', () => {
    const input = JSON.parse('{"__proto__":{"anonymousId":"a-1"}}');
    const { value } = redactIdentifiers(input, erased, DEFAULT_IDENTITY_CONFIG);
    expect(JSON.stringify(value)).toBe(`{"__proto__":{"anonymousId":"${hashed('anonymousId:a-1')}"}}`);
  });
});
