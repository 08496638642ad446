import { describe, expect, it } from 'vitest';
import { generateKey, keyDigest, keyHint } from './key-format.js';

describe('key format', () => {
  it.each([
    ['wk_abcdefghijklmnop9f3c', 'wk_…9f3c'],
    ['ak_abcdefghijklmnopXYZ1', 'ak_…XYZ1'],
    // A configured key without a known prefix shows no start: it may be what keeps it secret.
    ['my-own-configured-key-1234', '…1234'],
  ])('hints %s as %s', (key, hint) => {
    expect(keyHint(key)).toBe(hint);
  });

  it('generates prefixed keys with 192 random bits, kept only as sha-256', () => {
    const write = generateKey('write');
    expect(write).toMatch(/^wk_[\w-]{32}$/);
    expect(generateKey('admin')).toMatch(/^ak_[\w-]{32}$/);
    expect(generateKey('write')).not.toBe(write);
    expect(keyDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
