/** Explains one audience for one profile: each condition node's value, what it compared, and when it flips. */
import type { ConditionNode } from './audiences/condition-node.js';
import { compileAudience, nodeChangesAt } from './audiences/evaluate-audience.js';
import { EvaluationContext } from './evaluation-context.js';
import type { Definitions, ExplainNode, ProfileFacts } from './facts.js';

function iso(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}

function explainNode(node: ConditionNode, ctx: EvaluationContext, depth: number, seen: Set<string>): ExplainNode {
  const now = ctx.now;
  const result: ExplainNode = {
    node: node.condition,
    value: node.holdsAt(ctx, now),
    changesAt: iso(nodeChangesAt(node, ctx, now)),
  };
  if (node.actualAt) result.actual = node.actualAt(ctx, now);
  if ('audience' in node.condition) {
    const key = node.condition.audience;
    const definition = ctx.defs.audiences.get(key);
    // Show the referenced audience's own tree, once per path (definitions are acyclic, this is belt and braces).
    if (definition && !seen.has(key)) {
      result.children = [explainNode(compileAudience(definition), ctx, depth + 1, new Set([...seen, key]))];
    }
  } else if (node.children.length > 0) {
    result.children = node.children.map((child) => explainNode(child, ctx, depth + 1, seen));
  }
  return result;
}

/**
 * The condition tree of audience `key` with each node's value for this profile; null when no such audience.
 *
 * @example
 * explainAudience(defs, 'lapsed_buyers', facts);
 * // { node: { all: [...] }, value: false, changesAt: '2026-01-01T00:00:05.000Z', children: [...] }
 */
export function explainAudience(defs: Definitions, key: string, facts: ProfileFacts): ExplainNode | null {
  const definition = defs.audiences.get(key);
  if (!definition) return null;
  return explainNode(compileAudience(definition), new EvaluationContext(defs, facts), 0, new Set([key]));
}
