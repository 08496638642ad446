import type { Message } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from '../identity/config.js';
import { subscriptionChangesOf } from './segment.js';

const AT = '2026-03-01T10:00:00.000Z';
const identify = (context: Record<string, unknown>, type = 'identify') =>
  ({ type, userId: 'u', messageId: 'm', event: 'x', context }) as unknown as Message;
const of = (subs: unknown, type?: string) =>
  subscriptionChangesOf(
    identify({ messaging_subscriptions: subs, ip: '203.0.113.0' }, type),
    AT,
    DEFAULT_IDENTITY_CONFIG,
  );

describe('subscriptionChangesOf (Segment messaging_subscriptions)', () => {
  it('is null without messaging_subscriptions and for other types', () => {
    expect(subscriptionChangesOf(identify({}), AT, DEFAULT_IDENTITY_CONFIG)).toBeNull();
    expect(of([{ key: 'a@x.io', type: 'EMAIL', status: 'SUBSCRIBED' }], 'track')).toBeNull();
  });

  it('maps types, statuses and groups, normalizing addresses', () => {
    const result = of([
      { key: ' Ada@X.io ', type: 'EMAIL', status: 'SUBSCRIBED', groups: [{ name: 'news', status: 'UNSUBSCRIBED' }] },
      { key: '+44 (0) 7700-900123', type: 'SMS', status: 'UNSUBSCRIBED' },
      { key: '0033612345678', type: 'WhatsApp', status: 'DID_NOT_SUBSCRIBE' },
      { key: 'b@x.io', type: 'email', groups: [{ name: 'offers', status: 'subscribed' }] },
    ]);
    expect(result?.warnings).toEqual([]);
    expect(result?.changes.map((c) => [c.channel, c.address, c.topic, c.status, c.source, c.at])).toEqual([
      ['email', 'ada@x.io', null, 'subscribed', 'sdk', AT],
      ['email', 'ada@x.io', 'news', 'unsubscribed', 'sdk', AT],
      ['sms', '+4407700900123', null, 'unsubscribed', 'sdk', AT],
      ['whatsapp', '+33612345678', null, 'none', 'sdk', AT],
      ['email', 'b@x.io', 'offers', 'subscribed', 'sdk', AT],
    ]);
    // Proof of a subscribe: the (already truncated) IP it came from.
    expect(result?.changes[0]?.proof).toEqual({ ip: '203.0.113.0' });
    expect(result?.changes[1]?.proof).toBeNull();
  });

  it.each([
    ['not an array', { key: 'a@x.io' }, 'messaging_subscriptions: expected an array'],
    ['not an object', ['x'], 'messaging_subscriptions.0: expected an object'],
    [
      'unknown type',
      [{ key: 'a@x.io', type: 'FAX', status: 'SUBSCRIBED' }],
      'messaging_subscriptions.0.type: expected EMAIL, SMS or WhatsApp',
    ],
    [
      'bad email',
      [{ key: 'nope', type: 'EMAIL', status: 'SUBSCRIBED' }],
      'messaging_subscriptions.0.key: "nope" is not a valid email',
    ],
    [
      'blocked email',
      [{ key: 'test@example.com', type: 'EMAIL', status: 'SUBSCRIBED' }],
      'messaging_subscriptions.0.key: "test@example.com" is a blocked value',
    ],
    [
      'bad status',
      [{ key: 'a@x.io', type: 'EMAIL', status: 'MAYBE' }],
      'messaging_subscriptions.0.status: expected SUBSCRIBED, UNSUBSCRIBED or DID_NOT_SUBSCRIBE',
    ],
    [
      'bad group',
      [{ key: 'a@x.io', type: 'EMAIL', groups: [{ name: '' }] }],
      'messaging_subscriptions.0.groups.0: expected { name, status }',
    ],
  ])('skips %s with a warning', (_name, subs, detail) => {
    expect(of(subs)).toEqual({ changes: [], warnings: [{ code: 'invalid_subscription', detail }] });
  });
});
