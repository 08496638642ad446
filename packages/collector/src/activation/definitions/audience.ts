/** Validates an audience definition (`POST /v1/audiences`): condition tree, references and cycles. */
import type { AudienceCondition, AudienceDefinition } from '@exhaust/schema';
import {
  checkCount,
  checkDuration,
  checkKey,
  checkName,
  checkObject,
  checkOpAndValue,
  checkOptionalText,
  checkWhere,
  isRecord,
} from './fields.js';
import { conditionReferences } from './references.js';
import { checkSubscriptionCondition } from './subscription-condition.js';
import { type DefinitionContext, IssueList, type Path, type ValidationResult } from './validation.js';

/** Deepest nesting of a condition tree (the root is depth 1). */
export const MAX_CONDITION_DEPTH = 12;
/** Most nodes in one condition tree. */
export const MAX_CONDITION_NODES = 200;

interface Walk {
  ctx: DefinitionContext;
  issues: IssueList;
  self: string | undefined;
  nodes: number;
  /** Paths of `{ audience }` nodes, for the cycle message. */
  audienceRefs: { key: string; path: Path }[];
}

function checkCondition(input: unknown, path: Path, depth: number, walk: Walk): AudienceCondition | undefined {
  const { issues, ctx } = walk;
  walk.nodes += 1;
  if (depth > MAX_CONDITION_DEPTH)
    return void issues.add(path, 'too_complex', `nested deeper than ${MAX_CONDITION_DEPTH}`);
  if (walk.nodes > MAX_CONDITION_NODES) {
    return void issues.add(path, 'too_complex', `more than ${MAX_CONDITION_NODES} condition nodes`);
  }
  if (!isRecord(input)) return void issues.add(path, 'invalid_type', 'a condition must be an object');
  for (const combinator of ['all', 'any'] as const) {
    if (!(combinator in input)) continue;
    checkObject(input, path, [combinator], issues);
    const children = input[combinator];
    if (!Array.isArray(children) || children.length === 0) {
      return void issues.add(
        [...path, combinator],
        'invalid_type',
        `${combinator} takes a non-empty array of conditions`,
      );
    }
    const checked = children.map((child, index) =>
      checkCondition(child, [...path, combinator, index], depth + 1, walk),
    );
    if (checked.some((child) => child === undefined)) return undefined;
    return (combinator === 'all' ? { all: checked } : { any: checked }) as AudienceCondition;
  }
  if ('not' in input) {
    checkObject(input, path, ['not'], issues);
    const child = checkCondition(input.not, [...path, 'not'], depth + 1, walk);
    return child && { not: child };
  }
  if ('trait' in input || 'computed' in input) {
    const field = 'trait' in input ? 'trait' : 'computed';
    checkObject(input, path, [field, 'op', 'value'], issues);
    const name = checkName(input[field], [...path, field], issues);
    const opValue = checkOpAndValue(input, path, issues);
    if (field === 'computed' && name !== undefined && !ctx.computedTraits.has(name)) {
      issues.add([...path, field], 'unknown_reference', `no computed trait "${name}"`);
      return undefined;
    }
    if (name === undefined || !opValue) return undefined;
    return (field === 'trait' ? { trait: name, ...opValue } : { computed: name, ...opValue }) as AudienceCondition;
  }
  if ('audience' in input) {
    checkObject(input, path, ['audience'], issues);
    const key = input.audience;
    if (typeof key !== 'string')
      return void issues.add([...path, 'audience'], 'invalid_type', 'expected an audience key');
    if (key !== walk.self && !ctx.audiences.has(key)) {
      return void issues.add([...path, 'audience'], 'unknown_reference', `no audience "${key}"`);
    }
    walk.audienceRefs.push({ key, path: [...path, 'audience'] });
    return { audience: key };
  }
  if ('event' in input) {
    checkObject(input, path, ['event', 'where', 'count', 'within'], issues);
    const event = checkName(input.event, [...path, 'event'], issues);
    const where = checkWhere(input.where, [...path, 'where'], issues);
    const count = input.count === undefined ? undefined : checkCount(input.count, [...path, 'count'], issues);
    const within =
      input.within === undefined
        ? undefined
        : checkDuration(input.within, [...path, 'within'], ctx.maxWindowMs, issues);
    if (event === undefined) return undefined;
    return {
      event,
      ...(where !== undefined && { where }),
      ...(count !== undefined && { count }),
      ...(within !== undefined && { within: input.within as string }),
    };
  }
  if ('subscription' in input) return checkSubscriptionCondition(input, path, issues);
  return void issues.add(
    path,
    'invalid_type',
    'a condition needs one of all, any, not, trait, computed, event, audience, subscription',
  );
}

/** A path of audience keys from `from` back to `target` through the existing definitions, or null. */
function findPath(
  from: string,
  target: string,
  edges: (key: string) => Iterable<string>,
  seen = new Set<string>(),
): string[] | null {
  if (from === target) return [from];
  if (seen.has(from)) return null;
  seen.add(from);
  for (const next of edges(from)) {
    const rest = findPath(next, target, edges, seen);
    if (rest) return [from, ...rest];
  }
  return null;
}

/**
 * Validates an audience; refuses unknown references and any cycle through other audiences
 * (including a reference to itself). `ctx.audiences` may hold an older version of this audience.
 *
 * @example
 * parseAudience({ key: 'buyers', name: 'Buyers', condition: { event: 'Order Completed' } }, ctx);
 */
export function parseAudience(input: unknown, ctx: DefinitionContext): ValidationResult<AudienceDefinition> {
  const issues = new IssueList();
  if (!isRecord(input)) {
    issues.add([], 'invalid_type', 'expected an object');
    return { ok: false, issues: issues.issues };
  }
  checkObject(input, [], ['key', 'name', 'description', 'condition', 'emitOnCreate'], issues);
  const key = checkKey(input.key, ['key'], issues);
  const name = checkName(input.name, ['name'], issues);
  const description = checkOptionalText(input.description, ['description'], issues);
  if (input.emitOnCreate !== undefined && typeof input.emitOnCreate !== 'boolean') {
    issues.add(['emitOnCreate'], 'invalid_type', 'expected a boolean');
  }
  const walk: Walk = { ctx, issues, self: key, nodes: 0, audienceRefs: [] };
  const condition =
    input.condition === undefined
      ? void issues.add(['condition'], 'required', 'condition is required')
      : checkCondition(input.condition, ['condition'], 1, walk);
  if (key !== undefined) {
    // The new version replaces the stored one, so edges from `key` are the new condition's.
    const edges = (from: string): Iterable<string> => {
      const definition = ctx.audiences.get(from);
      return definition ? conditionReferences(definition.condition).audiences : [];
    };
    for (const ref of walk.audienceRefs) {
      const loop = findPath(ref.key, key, edges);
      if (loop) issues.add(ref.path, 'cycle', `audiences would form a cycle: ${[key, ...loop].join(' -> ')}`);
    }
  }
  if (issues.issues.length > 0 || !condition || key === undefined || name === undefined) {
    return { ok: false, issues: issues.issues };
  }
  const definition: AudienceDefinition = { key, name, condition };
  if (description !== undefined) definition.description = description;
  if (input.emitOnCreate !== undefined) definition.emitOnCreate = input.emitOnCreate as boolean;
  return { ok: true, value: definition };
}
