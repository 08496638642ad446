/**
 * The `{ churn, op, value }` audience condition: validation with path-naming
 * issues, and a compiled node for the audience engine. P(alive) and the
 * expectations only fall while no purchase arrives (a purchase is an event and
 * re-evaluates the profile), so each node flips at most once per purchase:
 * - pAlive: at the closed-form instant of {@link aliveFallsBelowAt};
 * - expectedPurchases30d/90d, expectedValue90d: found by bisection over time to
 *   the millisecond, within {@link CHURN_SEARCH_HORIZON_MS}; past the horizon the
 *   node answers the horizon as a re-check instant (the daily refit re-evaluates
 *   everyone anyway);
 * - meanValue: never changes with time.
 */
import type { AudienceCondition, ChurnPredicate } from '@exhaust/schema';
import { CHURN_OPS, CHURN_OUTPUTS } from '@exhaust/schema';
import type { ConditionNode, NodeContext } from '../audiences/condition-node.js';
import type { IssueList, Path } from '../definitions/validation.js';
import { aliveFallsBelowAt } from './bgnbd.js';
import { churnOutputAt } from './outputs.js';
import { MS_PER_WEEK } from './summary.js';

/** How far ahead a bisection looks for an expectation's crossing: one year. */
export const CHURN_SEARCH_HORIZON_MS = 365 * 24 * 60 * 60 * 1000;

const FIELDS = ['churn', 'op', 'value'];

/** Validates a `{ churn }` node; undefined (with issues) when invalid. */
export function parseChurnCondition(
  input: Record<string, unknown>,
  path: Path,
  issues: IssueList,
): ChurnPredicate | undefined {
  for (const field of Object.keys(input)) {
    if (!FIELDS.includes(field)) issues.add([...path, field], 'unknown_field', `unknown field "${field}"`);
  }
  const { churn, op, value } = input;
  let ok = true;
  if (!(CHURN_OUTPUTS as readonly unknown[]).includes(churn)) {
    issues.add([...path, 'churn'], 'invalid_value', `expected one of ${CHURN_OUTPUTS.join(', ')}`);
    ok = false;
  }
  if (!(CHURN_OPS as readonly unknown[]).includes(op)) {
    issues.add([...path, 'op'], 'unknown_op', `a churn condition takes one of ${CHURN_OPS.join(', ')}`);
    ok = false;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.add([...path, 'value'], 'invalid_value', 'expected a finite number');
    ok = false;
  }
  return ok ? ({ churn, op, value } as ChurnPredicate) : undefined;
}

/** True when any node of the tree (not following other audiences) is a churn condition. */
export function usesChurn(condition: AudienceCondition): boolean {
  if ('all' in condition) return condition.all.some(usesChurn);
  if ('any' in condition) return condition.any.some(usesChurn);
  if ('not' in condition) return usesChurn(condition.not);
  return 'churn' in condition;
}

function compare(actual: number | null, op: ChurnPredicate['op'], value: number): boolean {
  if (actual === null) return false;
  switch (op) {
    case 'lt':
      return actual < value;
    case 'lte':
      return actual <= value;
    case 'gt':
      return actual > value;
    case 'gte':
      return actual >= value;
  }
}

/** Compiles a churn condition into an audience-engine node. */
export function compileChurnCondition(condition: ChurnPredicate): ConditionNode {
  const { churn: output, op, value } = condition;
  const actualAt = (ctx: NodeContext, t: number): number | null => {
    const facts = ctx.facts.churn;
    if (!facts?.purchases) return null;
    return churnOutputAt(facts.params, facts.purchases, output, t);
  };
  const holdsAt = (ctx: NodeContext, t: number) => compare(actualAt(ctx, t), op, value);
  const nextAfter = (ctx: NodeContext, t: number): number | null => {
    const facts = ctx.facts.churn;
    if (!facts?.purchases || output === 'meanValue') return null;
    const { params, purchases } = facts;
    const before = holdsAt(ctx, t);
    if (output === 'pAlive') {
      const tx = (purchases.lastPurchaseAt - purchases.firstPurchaseAt) / MS_PER_WEEK;
      const T = aliveFallsBelowAt(params, { x: purchases.x, tx }, value);
      if (!Number.isFinite(T)) return null;
      let at = Math.ceil(purchases.firstPurchaseAt + T * MS_PER_WEEK);
      if (at <= t) return null;
      // The closed form is exact; the millisecond rounding may land on the threshold itself.
      for (let i = 0; i < 3 && holdsAt(ctx, at) === before; i++) at += 1;
      return at;
    }
    let lo = t;
    let hi = t + CHURN_SEARCH_HORIZON_MS;
    if (holdsAt(ctx, hi) === before) return hi;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (holdsAt(ctx, mid) === before) lo = mid;
      else hi = mid;
    }
    return hi;
  };
  return { condition, children: [], holdsAt, nextAfter, actualAt };
}
