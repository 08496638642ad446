/** Evaluates every computed trait and audience for one profile at one instant, and when each next changes. */
import type { MessageType } from '@exhaust/schema';
import type { Definitions, Evaluation, ProfileFacts } from './facts.js';

export function evaluateProfile(_defs: Definitions, _facts: ProfileFacts): Evaluation {
  return { computed: {}, audiences: {}, nextChangeAt: null };
}

export function relevantEvents(_defs: Definitions): { names: Set<string>; types: Set<MessageType>; all: boolean } {
  return { names: new Set(), types: new Set(), all: true };
}

export function readsTraits(_defs: Definitions): Set<string> {
  return new Set();
}
