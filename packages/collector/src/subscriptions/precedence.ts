/**
 * The answer to "may I contact this address on this channel about this
 * topic?", from what is kept for the address. In order: an erased address
 * never; a channel that is unsubscribed, bounced or complained never, whatever
 * its topics say; a topic unsubscribed never; an opt-in topic only when
 * subscribed to it; an opt-out topic unless unsubscribed. Without a topic the
 * channel itself is opt-in: only `subscribed` allows.
 */
import type { SubscriptionCheckResult, SubscriptionSource, SubscriptionStatus } from '@exhaust/schema';
import { BLOCKING_STATUSES } from './model.js';

export type TopicMode = 'opt-in' | 'opt-out';

export interface KeptForCheck {
  status: SubscriptionStatus;
  /** ISO 8601. */
  since: string;
  source: SubscriptionSource;
}

export interface CheckFacts {
  /** The address is on the contact suppression list (its person was erased). */
  erased: boolean;
  channel: KeptForCheck | null;
  /** The asked topic's status; null when none is kept or no topic was asked. */
  topic: KeptForCheck | null;
}

export type CheckDecision = Omit<SubscriptionCheckResult, 'channel' | 'address' | 'topic'>;

/**
 * @param topicMode mode of the asked topic; null when no topic was asked.
 * @example decideCheck({ erased: false, channel: null, topic: null }, 'opt-out')
 * // { allowed: true, status: 'none', topicStatus: 'none', reason: 'unknown', since: null, source: null }
 */
export function decideCheck(facts: CheckFacts, topicMode: TopicMode | null): CheckDecision {
  const status = facts.channel?.status ?? 'none';
  const topicStatus = topicMode === null ? null : (facts.topic?.status ?? 'none');
  const answer = (allowed: boolean, reason: CheckDecision['reason'], by: KeptForCheck | null): CheckDecision => ({
    allowed,
    status,
    topicStatus,
    reason,
    since: by?.since ?? null,
    source: by?.source ?? null,
  });
  if (facts.erased) return { ...answer(false, 'erased', null), status: 'none', topicStatus: topicMode && 'none' };
  if (BLOCKING_STATUSES.has(status)) {
    return answer(false, status as 'unsubscribed' | 'bounced' | 'complained', facts.channel);
  }
  if (topicMode === null) {
    if (status === 'subscribed') return answer(true, 'subscribed', facts.channel);
    return facts.channel ? answer(false, 'not_opted_in', facts.channel) : answer(false, 'unknown', null);
  }
  if (topicStatus === 'unsubscribed') return answer(false, 'topic_unsubscribed', facts.topic);
  if (topicStatus === 'subscribed') return answer(true, 'subscribed', facts.topic);
  if (topicMode === 'opt-in') return answer(false, 'not_opted_in', facts.topic ?? facts.channel);
  if (status === 'subscribed') return answer(true, 'subscribed', facts.channel);
  return answer(true, 'unknown', facts.topic ?? facts.channel);
}
