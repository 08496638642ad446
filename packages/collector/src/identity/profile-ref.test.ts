import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from './config.js';
import { parseProfileRef, toProfileRef } from './profile-ref.js';

describe('profile refs', () => {
  it.each([
    ['p_3f9a', { id: 'p_3f9a' }],
    ['userId:u-1', { type: 'userId', value: 'u-1' }],
    ['email:a:b@c.io', { type: 'email', value: 'a:b@c.io' }],
    ['shopify:', { type: 'shopify', value: '' }],
  ])('toProfileRef(%j) splits at the first ":"', (ref, expected) => {
    expect(toProfileRef(ref)).toEqual(expected);
  });

  it.each([
    ['EMAIL: Ada@X.io ', { identifier: { type: 'email', value: 'ada@x.io' } }],
    ['userid:u-1', { identifier: { type: 'userId', value: 'u-1' } }],
    ['Shopify:c-77', { identifier: { type: 'shopify', value: 'c-77' } }],
    ['phone:+44 20 7946 0958', { identifier: { type: 'phone', value: '+442079460958' } }],
    ['userId:null', { invalid: true }],
    ['email:nope', { invalid: true }],
    [':x', { invalid: true }],
    ['p_1', { id: 'p_1' }],
  ])('parseProfileRef(%j) normalizes like ingest', (ref, expected) => {
    expect(parseProfileRef(ref, DEFAULT_IDENTITY_CONFIG)).toEqual(expected);
  });
});
