/**
 * The activation engine (issue 9): pure definition parsing and evaluation of
 * computed traits, scores and audiences, with the instant each next changes.
 * No I/O and no clock: the store applies it inside the event's transaction.
 *
 * NOTE for the store/API side: API changes are announced here, at the top.
 */

export type {
  AudienceMembership,
  ComputedValue,
  Definitions,
  Evaluation,
  ExplainNode,
  FactEvent,
  ProfileFacts,
  ScoreDecay,
} from './facts.js';
export { DEFAULT_MAX_WINDOW_MS, parseDuration } from './durations.js';
export type { DefinitionContext, ValidationResult } from './definitions/validation.js';
export { parseComputedTrait } from './definitions/computed-trait.js';
export { parseAudience } from './definitions/audience.js';
export { evaluateProfile, readsTraits, relevantEvents } from './evaluate-profile.js';
export { explainAudience } from './explain.js';
