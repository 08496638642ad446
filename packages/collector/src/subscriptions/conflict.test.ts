import { SUBSCRIPTION_CONFLICT_WINDOW_MS } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { decideChange } from './conflict.js';

const W = SUBSCRIPTION_CONFLICT_WINDOW_MS;

describe('decideChange', () => {
  it.each([
    // current, incoming, applied?
    ['nothing kept, subscribe', null, ['subscribed', 0], { apply: true }],
    ['nothing kept, none', null, ['none', 0], { apply: false, skipped: 'unchanged' }],
    ['same status', ['subscribed', 0], ['subscribed', 99], { apply: false, skipped: 'unchanged' }],
    ['newer wins', ['subscribed', 0], ['unsubscribed', W * 10], { apply: true }],
    ['older loses', ['unsubscribed', W * 10], ['subscribed', 0], { apply: false, skipped: 'stale' }],
    ['older unsubscribe inside the window wins', ['subscribed', W], ['unsubscribed', 1], { apply: true }],
    ['older unsubscribe at the window edge wins', ['subscribed', W], ['unsubscribed', 0], { apply: true }],
    [
      'older unsubscribe past the window loses',
      ['subscribed', W + 1],
      ['unsubscribed', 0],
      { apply: false, skipped: 'stale' },
    ],
    ['older bounce inside the window wins', ['subscribed', 5], ['bounced', 0], { apply: true }],
    ['older complaint inside the window wins', ['subscribed', 5], ['complained', 0], { apply: true }],
    [
      'newer subscribe inside the window loses',
      ['unsubscribed', 0],
      ['subscribed', W - 1],
      { apply: false, skipped: 'stale' },
    ],
    ['newer subscribe past the window wins', ['unsubscribed', 0], ['subscribed', W + 1], { apply: true }],
    ['same time: unsubscribe beats subscribe', ['subscribed', 7], ['unsubscribed', 7], { apply: true }],
    [
      'same time: subscribe does not beat unsubscribe',
      ['unsubscribed', 7],
      ['subscribed', 7],
      { apply: false, skipped: 'stale' },
    ],
    ['same time, other statuses: first kept', ['bounced', 7], ['complained', 7], { apply: false, skipped: 'stale' }],
    ['none after subscribed, newer', ['subscribed', 0], ['none', 1], { apply: true }],
  ] as const)('%s', (_name, current, incoming, expected) => {
    const kept = current === null ? null : { status: current[0], atMs: current[1] };
    expect(decideChange(kept, { status: incoming[0], atMs: incoming[1] })).toEqual(expected);
  });
});
