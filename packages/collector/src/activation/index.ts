/**
 * The activation engine (issue 9): pure definition parsing and evaluation of
 * computed traits, scores and audiences, with the instant each next changes.
 * No I/O and no clock: the store applies it inside the event's transaction.
 *
 * NOTE for the store/API side (changes from the seam):
 * - explainAudience returns `ExplainNode | null` (null = no such audience).
 * - ExplainNode.value is the node's truth (boolean); `actual` holds what it compared
 *   (trait value, computed value, event count).
 * - Evaluation.computed[key] may carry `decay` (ScoreDecay) for halfLife scores: their value fades
 *   continuously, so changesAt is only the next step (a future-dated event); show the current value
 *   with scoreAt(decay, now). Audience changesAt on such scores IS the exact crossing instant.
 * - Extra: conditionReferences / computedTraitReferences (what a definition reads, e.g. to refuse
 *   deleting a computed trait an audience uses), scoreAt, DEFINITION_ISSUE_CODES in @exhaust/schema.
 * - changesAt is the flip instant; after MAX_LOOKAHEAD_STEPS candidate instants without a flip it is a
 *   re-check instant instead (re-evaluate then; no change will be found before it).
 */

export { parseAudience } from './definitions/audience.js';
export { parseComputedTrait } from './definitions/computed-trait.js';
export { computedTraitReferences, conditionReferences, type References } from './definitions/references.js';
export type { DefinitionContext, ValidationResult } from './definitions/validation.js';
export { DEFAULT_MAX_WINDOW_MS, parseDuration } from './durations.js';
export { evaluateProfile, readsSubscriptions, readsTraits, relevantEvents } from './evaluate-profile.js';
export { explainAudience } from './explain.js';
export type {
  AddressFacts,
  AudienceMembership,
  ComputedValue,
  Definitions,
  Evaluation,
  ExplainNode,
  FactEvent,
  ProfileFacts,
  ScoreDecay,
  SubscriptionFacts,
} from './facts.js';
export { MAX_LOOKAHEAD_STEPS } from './flip.js';
export { scoreAt } from './scores/score.js';
