/** A computed trait's value as a function of time for one profile, between new events. */
import type { JsonObject, JsonValue, PredicateOp } from '@exhaust/schema';
import type { FactEvent, ScoreDecay } from '../facts.js';

export interface TraitSeries {
  /** The value reported at `t` (scores rounded to 2 decimals). */
  valueAt(t: number): JsonValue | null;
  /** The value predicates compare at `t` (scores unrounded, so crossings are exact). */
  rawAt(t: number): JsonValue | null;
  /** Next instant > t at which the value may change in steps (windows, future-dated events); null when never. */
  nextChangeAfter(t: number): number | null;
  /** Decaying scores: the first instant > t, before the next step, at which `op threshold` flips. */
  crossingAfter?(t: number, op: PredicateOp, threshold: JsonValue | undefined): number | null;
  /** Decaying scores: the decay curve from `t` on. */
  decayAt?(t: number): ScoreDecay;
}

/** What a computed trait reads for one profile. */
export interface TraitInput {
  traits: JsonObject;
  /** Track events of that name, ascending by (at, messageId). */
  eventsNamed(name: string): readonly FactEvent[];
}
