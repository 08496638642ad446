/**
 * Compiles an audience's condition tree once into nodes that answer, for one
 * profile, whether they hold at an instant and when their inputs next change.
 * Trait predicates never change with time; event conditions change when an
 * event leaves its window or a future-dated one arrives; computed predicates
 * when the trait steps or a fading score crosses the threshold.
 */
import type { AudienceCondition, AudienceDefinition } from '@exhaust/schema';
import { compileChurnCondition } from '../churn/condition.js';
import { parseDuration } from '../durations.js';
import { firstChange } from '../flip.js';
import { applyCountOp, applyOp, readPath } from '../operators.js';
import { createEventTimeline, type EventTimeline } from '../traits/event-timeline.js';
import type { ConditionNode, NodeContext } from './condition-node.js';
import { compileSubscriptionCondition } from './subscription-node.js';

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

function earliestOf(children: readonly ConditionNode[], ctx: NodeContext, t: number): number | null {
  let next: number | null = null;
  for (const child of children) next = earliest(next, child.nextAfter(ctx, t));
  return next;
}

const DEFAULT_COUNT = { op: 'gte', value: 1 } as const;

export function compileCondition(condition: AudienceCondition): ConditionNode {
  if ('all' in condition || 'any' in condition) {
    const isAll = 'all' in condition;
    const children = (isAll ? condition.all : condition.any).map(compileCondition);
    return {
      condition,
      children,
      holdsAt: isAll
        ? (ctx, t) => children.every((child) => child.holdsAt(ctx, t))
        : (ctx, t) => children.some((child) => child.holdsAt(ctx, t)),
      nextAfter: (ctx, t) => earliestOf(children, ctx, t),
    };
  }
  if ('not' in condition) {
    const child = compileCondition(condition.not);
    return {
      condition,
      children: [child],
      holdsAt: (ctx, t) => !child.holdsAt(ctx, t),
      nextAfter: (ctx, t) => child.nextAfter(ctx, t),
    };
  }
  if ('trait' in condition) {
    const { trait, op, value } = condition;
    const actualAt = (ctx: NodeContext) => readPath(ctx.traits, trait) ?? null;
    return {
      condition,
      children: [],
      holdsAt: (ctx) => applyOp(readPath(ctx.traits, trait), op, value),
      nextAfter: () => null,
      actualAt,
    };
  }
  if ('computed' in condition) {
    const { computed, op, value } = condition;
    return {
      condition,
      children: [],
      holdsAt: (ctx, t) => applyOp(ctx.series(computed)?.rawAt(t) ?? undefined, op, value),
      nextAfter: (ctx, t) => {
        const series = ctx.series(computed);
        if (!series) return null;
        return earliest(series.nextChangeAfter(t), series.crossingAfter?.(t, op, value) ?? null);
      },
      actualAt: (ctx, t) => ctx.series(computed)?.valueAt(t) ?? null,
    };
  }
  if ('churn' in condition) return compileChurnCondition(condition);
  if ('audience' in condition) {
    const key = condition.audience;
    return {
      condition,
      children: [],
      holdsAt: (ctx, t) => ctx.audienceHoldsAt(key, t),
      nextAfter: (ctx, t) => ctx.audienceNextAfter(key, t),
    };
  }
  if ('subscription' in condition) return compileSubscriptionCondition(condition);
  const withinMs = condition.within === undefined ? null : parseDuration(condition.within);
  const count = condition.count ?? DEFAULT_COUNT;
  const node: ConditionNode = {
    condition,
    children: [],
    holdsAt: (ctx, t) => applyCountOp(countAt(ctx, t), count.op, count.value),
    nextAfter: (ctx, t) => timelineOf(ctx).nextChangeAfter(t),
    actualAt: (ctx, t) => countAt(ctx, t),
  };
  const timelineOf = (ctx: NodeContext): EventTimeline =>
    ctx.memo(node, () => createEventTimeline(ctx.eventsNamed(condition.event), condition.where, withinMs));
  const countAt = (ctx: NodeContext, t: number): number => {
    const [from, to] = timelineOf(ctx).rangeAt(t);
    return to - from;
  };
  return node;
}

const compiled = new WeakMap<AudienceDefinition, ConditionNode>();

/** The compiled condition of an audience, cached by definition object identity. */
export function compileAudience(definition: AudienceDefinition): ConditionNode {
  let root = compiled.get(definition);
  if (!root) {
    root = compileCondition(definition.condition);
    compiled.set(definition, root);
  }
  return root;
}

/** When a node's truth next flips after `now` with no new event; null when never. */
export function nodeChangesAt(node: ConditionNode, ctx: NodeContext, now: number): number | null {
  return firstChange(
    now,
    (t) => node.holdsAt(ctx, t),
    (t) => node.nextAfter(ctx, t),
    (a, b) => a === b,
  );
}
