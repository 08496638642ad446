import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from '../identity/config.js';
import { maskAddress, normalizeAddress } from './address.js';

describe('normalizeAddress', () => {
  it.each([
    ['email', ' Ada@Example.ORG ', 'ada@example.org'],
    ['sms', '+44 (0)20 7946-0958', '+4402079460958'],
    ['whatsapp', '0033 6 12 34 56 78', '+33612345678'],
    ['push', '  token-1  ', 'token-1'],
  ] as const)('%s %s', (channel, raw, expected) => {
    expect(normalizeAddress(channel, raw, DEFAULT_IDENTITY_CONFIG)).toEqual({ ok: true, address: expected });
  });

  it.each([
    ['email', 'not-an-email'],
    ['email', 'test@example.com'],
    ['phone', '12'],
    ['phone', '+1111111111'],
    ['push', '   '],
  ] as const)('refuses %s %s', (channel, raw) => {
    expect(normalizeAddress(channel, raw, DEFAULT_IDENTITY_CONFIG).ok).toBe(false);
  });
});

describe('maskAddress', () => {
  it.each([
    ['email', 'ada@example.org', 'a***@example.org'],
    ['sms', '+447700900123', '+**********23'],
    ['phone', '+123456', '+******'],
    ['push', 'abcdefgh', 'abcd***'],
  ] as const)('%s %s', (channel, address, masked) => {
    expect(maskAddress(channel, address)).toBe(masked);
  });
});
