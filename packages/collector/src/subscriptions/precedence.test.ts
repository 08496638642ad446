import { describe, expect, it } from 'vitest';
import { type CheckFacts, decideCheck, type KeptForCheck, type TopicMode } from './precedence.js';

const kept = (status: KeptForCheck['status']): KeptForCheck => ({
  status,
  since: '2026-01-01T00:00:00.000Z',
  source: 'api',
});

describe('decideCheck', () => {
  it.each<[string, Partial<CheckFacts>, TopicMode | null, boolean, string]>([
    ['erased beats everything', { erased: true, channel: kept('subscribed') }, null, false, 'erased'],
    ['nothing kept, no topic', {}, null, false, 'unknown'],
    ['channel none kept, no topic', { channel: kept('none') }, null, false, 'not_opted_in'],
    ['channel subscribed', { channel: kept('subscribed') }, null, true, 'subscribed'],
    ['channel unsubscribed', { channel: kept('unsubscribed') }, null, false, 'unsubscribed'],
    ['channel bounced', { channel: kept('bounced') }, 'opt-out', false, 'bounced'],
    ['channel complained', { channel: kept('complained') }, 'opt-out', false, 'complained'],
    [
      'channel unsubscribed beats a subscribed topic',
      { channel: kept('unsubscribed'), topic: kept('subscribed') },
      'opt-in',
      false,
      'unsubscribed',
    ],
    [
      'topic unsubscribed',
      { channel: kept('subscribed'), topic: kept('unsubscribed') },
      'opt-out',
      false,
      'topic_unsubscribed',
    ],
    ['opt-in topic subscribed', { topic: kept('subscribed') }, 'opt-in', true, 'subscribed'],
    ['opt-in topic, channel subscribed only', { channel: kept('subscribed') }, 'opt-in', false, 'not_opted_in'],
    ['opt-in topic, nothing kept', {}, 'opt-in', false, 'not_opted_in'],
    ['opt-out topic, nothing kept', {}, 'opt-out', true, 'unknown'],
    ['opt-out topic, channel subscribed', { channel: kept('subscribed') }, 'opt-out', true, 'subscribed'],
    ['opt-out topic, topic none kept', { topic: kept('none') }, 'opt-out', true, 'unknown'],
  ])('%s', (_name, facts, mode, allowed, reason) => {
    const decision = decideCheck({ erased: false, channel: null, topic: null, ...facts }, mode);
    expect(decision).toMatchObject({ allowed, reason });
    expect(decision.topicStatus === null).toBe(mode === null);
  });

  it('dates the answer by the status that decided it', () => {
    const topic = { ...kept('unsubscribed'), since: '2026-02-02T00:00:00.000Z', source: 'one-click' as const };
    expect(decideCheck({ erased: false, channel: kept('subscribed'), topic }, 'opt-out')).toEqual({
      allowed: false,
      status: 'subscribed',
      topicStatus: 'unsubscribed',
      reason: 'topic_unsubscribed',
      since: '2026-02-02T00:00:00.000Z',
      source: 'one-click',
    });
  });
});
