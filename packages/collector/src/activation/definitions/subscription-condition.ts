/** Validates a `{ subscription: { channel, topic? }, op }` audience node. */
import { SUBSCRIPTION_CHANNELS, type SubscriptionChannel, type SubscriptionCondition } from '@exhaust/schema';
import { MAX_TOPIC_KEY_LENGTH } from '../../subscriptions/model.js';
import { checkObject, isRecord } from './fields.js';
import type { IssueList, Path } from './validation.js';

/** The ops of a subscription node. */
export const SUBSCRIPTION_OPS = ['allowed', 'notAllowed'] as const;

/**
 * @example checkSubscriptionCondition({ subscription: { channel: 'email', topic: 'offers' }, op: 'allowed' }, ['condition'], issues)
 */
export function checkSubscriptionCondition(
  input: Record<string, unknown>,
  path: Path,
  issues: IssueList,
): SubscriptionCondition | undefined {
  checkObject(input, path, ['subscription', 'op'], issues);
  const target = input.subscription;
  const at = [...path, 'subscription'];
  let channel: SubscriptionChannel | undefined;
  let topic: string | undefined;
  let targetOk = false;
  if (!isRecord(target)) issues.add(at, 'invalid_type', 'expected { channel, topic? }');
  else {
    const before = issues.issues.length;
    checkObject(target, at, ['channel', 'topic'], issues);
    if (typeof target.channel === 'string' && (SUBSCRIPTION_CHANNELS as readonly string[]).includes(target.channel)) {
      channel = target.channel as SubscriptionChannel;
    } else if (target.channel === undefined) issues.add([...at, 'channel'], 'required', 'channel is required');
    else {
      issues.add([...at, 'channel'], 'invalid_value', `expected one of ${SUBSCRIPTION_CHANNELS.join(', ')}`);
    }
    if (target.topic !== undefined) {
      const trimmed = typeof target.topic === 'string' ? target.topic.trim() : '';
      if (trimmed.length === 0 || trimmed.length > MAX_TOPIC_KEY_LENGTH) {
        issues.add([...at, 'topic'], 'invalid_value', `expected a topic key of 1-${MAX_TOPIC_KEY_LENGTH} characters`);
      } else topic = trimmed;
    }
    targetOk = issues.issues.length === before;
  }
  const op = input.op;
  const opOk = typeof op === 'string' && (SUBSCRIPTION_OPS as readonly string[]).includes(op);
  if (!opOk) issues.add([...path, 'op'], 'unknown_op', `op must be one of ${SUBSCRIPTION_OPS.join(', ')}`);
  if (!targetOk || !opOk || channel === undefined) return undefined;
  return {
    subscription: topic === undefined ? { channel } : { channel, topic },
    op: op as SubscriptionCondition['op'],
  };
}
