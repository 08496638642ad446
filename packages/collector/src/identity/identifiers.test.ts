import type { Message } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG, identityConfigSchema } from './config.js';
import { canonicalType, extractIdentifiers, normalizeIdentifier } from './identifiers.js';

const config = DEFAULT_IDENTITY_CONFIG;
const never = () => false;

describe('normalizeIdentifier', () => {
  it.each([
    ['userId', ' U-1 ', 'U-1'],
    ['email', ' Ada@Example.ORG ', 'ada@example.org'],
    ['phone', '+1 (555) 123-4567', '+15551234567'],
    ['phone', '0044 20 7946 0958', '+442079460958'],
    ['phone', '555.123.4567', '5551234567'],
    ['phone', 5551234567, '5551234567'],
    ['deviceId', ' Dev-A ', 'Dev-A'],
    ['anonymousId', 'a b', 'a b'],
    ['crm', ' Id-7 ', 'Id-7'],
  ])('%s %j -> %s', (type, raw, value) => {
    expect(normalizeIdentifier(type, raw, config)).toEqual({ ok: true, identifier: { type, value } });
  });

  it.each([
    ['userId', 'null'],
    ['userId', 'NULL'],
    ['userId', '"undefined"'],
    ['userId', "'null'"],
    ['userId', '  anonymous '],
    ['userId', '[object Object]'],
    ['userId', '0'],
    ['userId', '000'],
    ['userId', '00000000-0000-0000-0000-000000000000'],
    ['userId', '-1'],
    ['userId', 'n/a'],
    ['userId', 'abc123'],
    ['userId', '   '],
    ['anonymousId', 'Guest'],
    ['deviceId', 'unknown'],
    ['email', 'Test@Example.com'],
    ['email', 'a@a.com'],
    ['email', 'no-reply@shop.io'],
    ['email', 'NOREPLY@shop.io'],
    ['phone', '+1111111'],
    ['phone', '000-0000'],
    ['phone', '7 777 777 777'],
    ['userId', true],
  ])('blocks %s %j with the value as sent in the detail', (type, raw) => {
    expect(normalizeIdentifier(type, raw, config)).toEqual({
      ok: false,
      warning: { code: 'blocked_identifier', detail: `${type}:${String(raw)}` },
    });
  });

  it.each([
    ['email', 'not-an-email', 'email:not-an-email'],
    ['email', 'A@B', 'email:a@b'],
    ['phone', '12345', 'phone:12345'],
    ['phone', '+1234567890123456', 'phone:+1234567890123456'],
    ['phone', 'call me', 'phone:callme'],
    ['phone', '12 34', 'phone:1234'],
    ['userId', { id: 1 }, 'userId:{"id":1}'],
    ['userId', 'x'.repeat(256), `userId:${'x'.repeat(255)}`],
  ])('refuses %s %j as invalid', (type, raw, detail) => {
    expect(normalizeIdentifier(type, raw, config)).toEqual({
      ok: false,
      warning: { code: 'invalid_identifier', detail },
    });
  });

  it('blocks operator values per type only, on top of the defaults', () => {
    const kiosk = identityConfigSchema.parse({ blockedValues: { deviceId: ['Kiosk-7'] } });
    expect(normalizeIdentifier('deviceId', 'kiosk-7', kiosk).ok).toBe(false);
    expect(normalizeIdentifier('anonymousId', 'kiosk-7', kiosk).ok).toBe(true);
    expect(normalizeIdentifier('deviceId', 'null', kiosk).ok).toBe(false);
  });
});

describe('canonicalType', () => {
  it.each([
    ['EMAIL', 'email'],
    ['userid', 'userId'],
    ['Shopify_Customer', 'shopify_customer'],
    ['a:b', null],
    [' ', null],
  ])('%s -> %s', (name, type) => expect(canonicalType(name)).toBe(type));
});

const ts = '2026-11-25T10:00:00.000Z';

describe('extractIdentifiers', () => {
  it('orders by priority, custom types alphabetically, payload order on ties', () => {
    const message: Message = {
      type: 'identify',
      messageId: 'm',
      timestamp: ts,
      userId: 'u-1',
      anonymousId: 'a-1',
      traits: { email: 'A@B.co', phone: '+44 20 7946 0958' },
      context: {
        device: { id: 'd-1' },
        externalIds: [
          { type: 'Zendesk', id: 'z-1' },
          { type: 'crm', id: 'c-1' },
        ],
      },
    };
    expect(extractIdentifiers(message, config, never)).toEqual({
      identifiers: [
        { type: 'userId', value: 'u-1' },
        { type: 'email', value: 'a@b.co' },
        { type: 'phone', value: '+442079460958' },
        { type: 'crm', value: 'c-1' },
        { type: 'zendesk', value: 'z-1' },
        { type: 'deviceId', value: 'd-1' },
        { type: 'anonymousId', value: 'a-1' },
      ],
      warnings: [],
    });
  });

  it('reads traits first, then context.traits, and traits only on identify', () => {
    const identify: Message = {
      type: 'identify',
      anonymousId: 'a',
      traits: { email: null },
      context: { traits: { email: 'ctx@b.co' } },
    };
    expect(extractIdentifiers(identify, config, never).identifiers).toContainEqual({
      type: 'email',
      value: 'ctx@b.co',
    });
    const group: Message = { type: 'group', anonymousId: 'a', groupId: 'g', traits: { email: 'team@corp.co' } };
    expect(extractIdentifiers(group, config, never).identifiers).toEqual([{ type: 'anonymousId', value: 'a' }]);
    const track: Message = { type: 'track', event: 'x', anonymousId: 'a', context: { traits: { email: 'T@b.co' } } };
    expect(extractIdentifiers(track, config, never).identifiers[0]).toEqual({ type: 'email', value: 't@b.co' });
  });

  it('treats an alias previousId as a userId only when that userId is known', () => {
    const alias: Message = { type: 'alias', userId: 'u-2', previousId: ' u-1 ' };
    expect(extractIdentifiers(alias, config, (v) => v === 'u-1').identifiers).toEqual([
      { type: 'userId', value: 'u-2' },
      { type: 'userId', value: 'u-1' },
    ]);
    expect(extractIdentifiers(alias, config, never).identifiers).toEqual([
      { type: 'userId', value: 'u-2' },
      { type: 'anonymousId', value: 'u-1' },
    ]);
  });

  it('keeps duplicates once and reports every refused value', () => {
    const message: Message = {
      type: 'track',
      event: 'x',
      userId: 'undefined',
      anonymousId: 'a-1',
      context: {
        traits: { email: 'test@example.com' },
        externalIds: [
          { type: 'email', id: 'ok@b.co' },
          { type: 'a:b', id: 'v' },
          { type: 'email', id: 'OK@b.co' },
        ],
        device: { id: 'a-1' },
      },
    };
    expect(extractIdentifiers(message, config, never)).toEqual({
      identifiers: [
        { type: 'email', value: 'ok@b.co' },
        { type: 'deviceId', value: 'a-1' },
        { type: 'anonymousId', value: 'a-1' },
      ],
      warnings: [
        { code: 'invalid_identifier', detail: 'a:b:v' },
        { code: 'blocked_identifier', detail: 'userId:undefined' },
        { code: 'blocked_identifier', detail: 'email:test@example.com' },
      ],
    });
  });

  it('yields nothing for junk only', () => {
    const message: Message = { type: 'page', userId: 'null', anonymousId: '0' };
    const result = extractIdentifiers(message, config, never);
    expect(result.identifiers).toEqual([]);
    expect(result.warnings.map((w) => w.code)).toEqual(['blocked_identifier', 'blocked_identifier']);
  });
});
