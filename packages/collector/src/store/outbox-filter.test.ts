import { describe, expect, it } from 'vitest';
import { type ChangeFacets, type EndpointSubscription, matchesEndpoint } from './outbox-filter.js';

describe('matchesEndpoint', () => {
  const cases: [string, EndpointSubscription, Parameters<typeof matchesEndpoint>[1], ChangeFacets, boolean][] = [
    ['unsubscribed type', { events: ['audience.entered'], filter: null }, 'audience.exited', {}, false],
    ['subscribed, no filter', { events: ['audience.exited'], filter: null }, 'audience.exited', {}, true],
    [
      'event name in filter',
      { events: ['event.received'], filter: { events: ['Order Completed'] } },
      'event.received',
      { eventName: 'Order Completed', messageType: 'track' },
      true,
    ],
    [
      'event name not in filter',
      { events: ['event.received'], filter: { events: ['Order Completed'] } },
      'event.received',
      { eventName: 'Page Viewed', messageType: 'track' },
      false,
    ],
    [
      'identify has no event name',
      { events: ['event.received'], filter: { events: ['Order Completed'] } },
      'event.received',
      { eventName: null, messageType: 'identify' },
      false,
    ],
    [
      'message type filter',
      { events: ['event.received'], filter: { types: ['identify'] } },
      'event.received',
      { eventName: null, messageType: 'identify' },
      true,
    ],
    [
      'both lists must pass',
      { events: ['event.received'], filter: { types: ['page'], events: ['Order Completed'] } },
      'event.received',
      { eventName: 'Order Completed', messageType: 'track' },
      false,
    ],
    [
      'audience key filter',
      { events: ['audience.entered'], filter: { audiences: ['vip'] } },
      'audience.entered',
      { audienceKey: 'churn' },
      false,
    ],
    [
      'audience filter ignores event lists',
      { events: ['audience.entered'], filter: { events: ['Order Completed'] } },
      'audience.entered',
      { audienceKey: 'vip' },
      true,
    ],
    [
      'trait key filter',
      { events: ['computed.changed'], filter: { traits: ['ltv'] } },
      'computed.changed',
      { traitKey: 'ltv' },
      true,
    ],
    [
      'channel filter lets its channel through',
      { events: ['subscription.changed'], filter: { channels: ['email', 'sms'] } },
      'subscription.changed',
      { channel: 'sms' },
      true,
    ],
    [
      'channel filter stops other channels',
      { events: ['subscription.changed'], filter: { channels: ['email'] } },
      'subscription.changed',
      { channel: 'whatsapp' },
      false,
    ],
    [
      'subscription changes ignore audience lists',
      { events: ['subscription.changed'], filter: { audiences: ['vip'] } },
      'subscription.changed',
      { channel: 'email' },
      true,
    ],
    [
      'profile events pass any filter',
      { events: ['profile.erased'], filter: { traits: ['ltv'] } },
      'profile.erased',
      {},
      true,
    ],
  ];
  it.each(cases)('%s', (_name, endpoint, type, facets, expected) => {
    expect(matchesEndpoint(endpoint, type, facets)).toBe(expected);
  });
});
