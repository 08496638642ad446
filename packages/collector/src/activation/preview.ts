/**
 * Evaluates one definition that is not saved (yet) for one profile: the
 * console's "preview before saving". Pure, like the rest of the engine; the
 * store loads the facts of a bounded sample of profiles and counts.
 */
import type { AudienceDefinition, ComputedTraitDefinition, JsonValue } from '@exhaust/schema';
import { EvaluationContext } from './evaluation-context.js';
import type { Definitions, ProfileFacts } from './facts.js';
import { scoreAt } from './scores/score.js';

/** A definition under preview: it replaces a saved one of the same key, or joins them. */
export type PreviewTarget =
  | { kind: 'audience'; definition: AudienceDefinition }
  | { kind: 'computedTrait'; definition: ComputedTraitDefinition };

export interface PreviewOutcome {
  /** Audience: the profile would be a member. Computed trait: it has a value (not null, 0, false, '' or []). */
  matched: boolean;
  /** Computed trait only: the value now (a decaying score as it is now, 2 decimals). */
  value?: JsonValue | null;
}

/** The saved definitions with the previewed one in place (same key replaced). */
export function withPreviewed(defs: Definitions, target: PreviewTarget): Definitions {
  if (target.kind === 'audience') {
    return { ...defs, audiences: new Map([...defs.audiences, [target.definition.key, target.definition]]) };
  }
  return { ...defs, computedTraits: new Map([...defs.computedTraits, [target.definition.key, target.definition]]) };
}

const hasValue = (value: JsonValue | null | undefined) =>
  value !== null &&
  value !== undefined &&
  value !== 0 &&
  value !== false &&
  value !== '' &&
  !(Array.isArray(value) && value.length === 0);

/**
 * @param defs the definitions with the previewed one in place (see `withPreviewed`).
 * @example previewProfile(withPreviewed(defs, target), target, facts); // { matched: true }
 */
export function previewProfile(defs: Definitions, target: PreviewTarget, facts: ProfileFacts): PreviewOutcome {
  const ctx = new EvaluationContext(defs, facts);
  const key = target.definition.key;
  if (target.kind === 'audience') return { matched: ctx.audienceHoldsAt(key, facts.now) };
  const series = ctx.series(key);
  if (!series) return { matched: false, value: null };
  const value = series.decayAt
    ? Math.round(scoreAt(series.decayAt(facts.now), facts.now) * 100) / 100 || 0
    : series.valueAt(facts.now);
  return { matched: hasValue(value), value };
}
