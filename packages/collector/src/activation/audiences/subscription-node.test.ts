import type { AudienceCondition, AudienceDefinition, SubscriptionChannel, SubscriptionStatus } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { evaluateProfile, readsSubscriptions } from '../evaluate-profile.js';
import { explainAudience } from '../explain.js';
import type { AddressFacts, Definitions, SubscriptionFacts } from '../facts.js';

const NOW = Date.UTC(2026, 0, 10);
const kept = (status: SubscriptionStatus) => ({ status, since: '2026-01-01T00:00:00.000Z', source: 'api' as const });
const address = (
  value: string,
  status: SubscriptionStatus | null,
  topics: Record<string, SubscriptionStatus> = {},
  channel: SubscriptionChannel = 'email',
  erased = false,
): AddressFacts => ({
  channel,
  address: value,
  erased,
  status: status === null ? null : kept(status),
  topics: Object.fromEntries(Object.entries(topics).map(([key, s]) => [key, kept(s)])),
});
const TOPICS: SubscriptionFacts['topics'] = {
  email: [
    { key: 'newsletter', mode: 'opt-in' },
    { key: 'offers', mode: 'opt-out' },
  ],
};
const defsOf = (condition: AudienceCondition): Definitions => ({
  computedTraits: new Map(),
  audiences: new Map([['a', { key: 'a', name: 'a', condition } as AudienceDefinition]]),
});
const member = (condition: AudienceCondition, addresses: AddressFacts[] | undefined) =>
  evaluateProfile(defsOf(condition), {
    traits: {},
    events: [],
    now: NOW,
    ...(addresses ? { subscriptions: { addresses, topics: TOPICS } } : {}),
  }).audiences.a;

const offers: AudienceCondition = { subscription: { channel: 'email', topic: 'offers' }, op: 'allowed' };
const newsletter: AudienceCondition = { subscription: { channel: 'email', topic: 'newsletter' }, op: 'allowed' };
const emailChannel: AudienceCondition = { subscription: { channel: 'email' }, op: 'allowed' };

describe('subscription node', () => {
  it.each([
    ['no facts loaded: no address', offers, undefined, false],
    ['no address on the channel', offers, [address('+447700900123', 'subscribed', {}, 'sms')], false],
    ['subscribed to the channel, opt-out topic', offers, [address('a@x.io', 'subscribed')], true],
    ['never asked, opt-out topic (check answers allowed)', offers, [address('a@x.io', null)], true],
    [
      'channel unsubscribed beats the topic',
      offers,
      [address('a@x.io', 'unsubscribed', { offers: 'subscribed' })],
      false,
    ],
    ['bounced', offers, [address('a@x.io', 'bounced')], false],
    ['complained', offers, [address('a@x.io', 'complained')], false],
    ['topic unsubscribed', offers, [address('a@x.io', 'subscribed', { offers: 'unsubscribed' })], false],
    ['erased address', offers, [address('a@x.io', null, {}, 'email', true)], false],
    [
      'one of two addresses allowed is enough',
      offers,
      [address('a@x.io', 'unsubscribed'), address('b@x.io', null)],
      true,
    ],
    ['opt-in topic not opted in', newsletter, [address('a@x.io', 'subscribed')], false],
    ['opt-in topic subscribed', newsletter, [address('a@x.io', null, { newsletter: 'subscribed' })], true],
    ['channel without topic is opt-in: none', emailChannel, [address('a@x.io', 'none')], false],
    ['channel without topic: subscribed', emailChannel, [address('a@x.io', 'subscribed')], true],
    ['notAllowed negates', { ...offers, op: 'notAllowed' }, [address('a@x.io', 'unsubscribed')], true],
    ['notAllowed with no address', { ...offers, op: 'notAllowed' }, [], true],
  ] as [string, AudienceCondition, AddressFacts[] | undefined, boolean][])(
    '%s',
    (_name, condition, addresses, expected) => {
      expect(member(condition, addresses)).toEqual({ member: expected, changesAt: null });
    },
  );

  it('explains each address with its check decision', () => {
    const explained = explainAudience(defsOf(offers), 'a', {
      traits: {},
      events: [],
      now: NOW,
      subscriptions: {
        topics: TOPICS,
        addresses: [address('b@x.io', null), address('a@x.io', 'subscribed', { offers: 'unsubscribed' })],
      },
    });
    expect(explained).toEqual({
      node: offers,
      value: true,
      changesAt: null,
      actual: [
        { address: 'a@x.io', allowed: false, reason: 'topic_unsubscribed' },
        { address: 'b@x.io', allowed: true, reason: 'unknown' },
      ],
    });
  });

  it('readsSubscriptions names the channels audiences read', () => {
    const defs: Definitions = {
      computedTraits: new Map(),
      audiences: new Map([
        [
          'a',
          {
            key: 'a',
            name: 'a',
            condition: { all: [offers, { not: { subscription: { channel: 'sms' }, op: 'allowed' } }] },
          },
        ],
        ['b', { key: 'b', name: 'b', condition: { trait: 'plan', op: 'exists' } }],
      ]),
    };
    expect(readsSubscriptions(defs)).toEqual(new Set(['email', 'sms']));
    expect(readsSubscriptions(defsOf({ trait: 'plan', op: 'exists' })).size).toBe(0);
  });
});
