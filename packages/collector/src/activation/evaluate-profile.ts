/** Evaluates every computed trait and audience for one profile at one instant, and when each next changes. */
import type { MessageType, SubscriptionChannel } from '@exhaust/schema';
import { computedTraitReferences, conditionReferences } from './definitions/references.js';
import { EvaluationContext } from './evaluation-context.js';
import type { ComputedValue, Definitions, Evaluation, ProfileFacts } from './facts.js';
import { firstChange } from './flip.js';
import { jsonEqual } from './operators.js';

/**
 * Evaluates every definition for one profile at `facts.now`. Pure and deterministic: the order
 * of `facts.events` does not matter; an event dated after `now` counts from its own instant.
 *
 * @example
 * const evaluation = evaluateProfile(defs, { traits: {}, events, now: Date.now() });
 * evaluation.audiences.recent_buyers; // { member: true, changesAt: 1767225600000 }
 */
export function evaluateProfile(defs: Definitions, facts: ProfileFacts): Evaluation {
  const ctx = new EvaluationContext(defs, facts);
  const now = facts.now;
  let nextChangeAt: number | null = null;
  const note = (at: number | null) => {
    if (at !== null && at > now && (nextChangeAt === null || at < nextChangeAt)) nextChangeAt = at;
  };
  const computed: Record<string, ComputedValue> = Object.create(null);
  for (const key of defs.computedTraits.keys()) {
    const series = ctx.series(key)!;
    const changesAt = firstChange(now, series.valueAt, series.nextChangeAfter, (a, b) => jsonEqual(a, b));
    const entry: ComputedValue = { value: series.valueAt(now), changesAt };
    if (series.decayAt) entry.decay = series.decayAt(now);
    computed[key] = entry;
    note(changesAt);
  }
  const audiences: Evaluation['audiences'] = Object.create(null);
  for (const key of defs.audiences.keys()) {
    const member = ctx.audienceHoldsAt(key, now);
    const changesAt = firstChange(
      now,
      (t) => ctx.audienceHoldsAt(key, t),
      (t) => ctx.audienceNextAfter(key, t),
      (a, b) => a === b,
    );
    audiences[key] = { member, changesAt };
    note(changesAt);
  }
  return { computed, audiences, nextChangeAt };
}

/**
 * Which events any definition reads: track events by name. `all` stays false while every
 * definition names its events; `types` lists the message types those names belong to.
 */
export function relevantEvents(defs: Definitions): { names: Set<string>; types: Set<MessageType>; all: boolean } {
  const names = new Set<string>();
  for (const definition of defs.computedTraits.values()) {
    for (const name of computedTraitReferences(definition).events) names.add(name);
  }
  for (const definition of defs.audiences.values()) {
    for (const name of conditionReferences(definition.condition).events) names.add(name);
  }
  return { names, types: new Set<MessageType>(names.size > 0 ? ['track'] : []), all: false };
}

/**
 * Trait keys some definition reads (score fit rules, trait predicates), both as written and
 * as the top-level key an identify writes (`address.city` -> `address`).
 */
export function readsTraits(defs: Definitions): Set<string> {
  const traits = new Set<string>();
  for (const definition of defs.computedTraits.values()) {
    for (const trait of computedTraitReferences(definition).traits) traits.add(trait);
  }
  for (const definition of defs.audiences.values()) {
    for (const trait of conditionReferences(definition.condition).traits) traits.add(trait);
  }
  return traits;
}

/**
 * Channels some audience reads with a `{ subscription }` node: the store loads the profile's
 * addresses on these only (none when empty), and a subscription change re-evaluates its owner.
 */
export function readsSubscriptions(defs: Definitions): Set<SubscriptionChannel> {
  const channels = new Set<SubscriptionChannel>();
  for (const definition of defs.audiences.values()) {
    for (const channel of conditionReferences(definition.condition).subscriptions) channels.add(channel);
  }
  return channels;
}
