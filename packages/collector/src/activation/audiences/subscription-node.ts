/**
 * The `{ subscription: { channel, topic? }, op }` audience node: holds
 * (`allowed`) when at least one of the profile's addresses on the channel may
 * be contacted about the topic, by the very decision `check` answers senders
 * with. Subscriptions change only with a change of their own (which
 * re-evaluates the owner), never with time.
 */
import type { JsonValue, SubscriptionCondition } from '@exhaust/schema';
import { decideCheck } from '../../subscriptions/precedence.js';
import { topicModeOf } from '../../subscriptions/topics.js';
import type { SubscriptionFacts } from '../facts.js';
import type { NodeContext } from './condition-node.js';

/** The check decision for each of the profile's addresses on the node's channel, in address order. */
export function addressDecisions(
  condition: SubscriptionCondition,
  facts: SubscriptionFacts | undefined,
): { address: string; allowed: boolean; reason: string }[] {
  if (!facts) return [];
  const { channel, topic } = condition.subscription;
  const mode = topic === undefined ? null : topicModeOf({ topics: facts.topics }, channel, topic);
  return facts.addresses
    .filter((kept) => kept.channel === channel)
    .map((kept) => {
      const decision = decideCheck(
        { erased: kept.erased, channel: kept.status, topic: topic === undefined ? null : (kept.topics[topic] ?? null) },
        mode,
      );
      return { address: kept.address, allowed: decision.allowed, reason: decision.reason };
    })
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export function compileSubscriptionCondition(condition: SubscriptionCondition) {
  const allowed = (ctx: NodeContext) =>
    addressDecisions(condition, ctx.facts.subscriptions).some((decision) => decision.allowed);
  return {
    condition,
    children: [],
    holdsAt: (ctx: NodeContext) => (condition.op === 'allowed' ? allowed(ctx) : !allowed(ctx)),
    nextAfter: () => null,
    /** Explain shows each address's decision. */
    actualAt: (ctx: NodeContext): JsonValue => addressDecisions(condition, ctx.facts.subscriptions),
  };
}
