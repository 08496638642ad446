/**
 * What a compiled audience condition is, and what it may read of the profile
 * being evaluated. Node kinds (events, subscriptions, churn) and the evaluator
 * depend on this contract instead of on each other or on the context class.
 */
import type { AudienceCondition, JsonObject, JsonValue } from '@exhaust/schema';
import type { Definitions, FactEvent, ProfileFacts } from '../facts.js';
import type { TraitSeries } from '../traits/trait-series.js';

/** The evaluation of one profile, as condition nodes see it (implemented by `EvaluationContext`). */
export interface NodeContext {
  readonly traits: JsonObject;
  readonly now: number;
  readonly defs: Definitions;
  readonly facts: ProfileFacts;
  /** Track events of that name, ascending by (at, messageId). */
  eventsNamed(name: string): readonly FactEvent[];
  /** The series of a computed trait, or null when no such definition exists (any more). */
  series(key: string): TraitSeries | null;
  /** Per-evaluation state of one compiled node (e.g. its event timeline), built once. */
  memo<T>(owner: object, build: () => T): T;
  /** Whether the profile is in audience `key` at `t` (false for an unknown audience). */
  audienceHoldsAt(key: string, t: number): boolean;
  /** Next instant > t at which audience `key`'s inputs change. */
  audienceNextAfter(key: string, t: number): number | null;
}

export interface ConditionNode {
  condition: AudienceCondition;
  children: readonly ConditionNode[];
  holdsAt(ctx: NodeContext, t: number): boolean;
  /** Next instant > t at which this node's inputs change (it may or may not flip then); null when never. */
  nextAfter(ctx: NodeContext, t: number): number | null;
  /** What the node compares at t (trait value, computed value, event count); absent for combinators. */
  actualAt?(ctx: NodeContext, t: number): JsonValue | null;
}
