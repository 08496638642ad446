/** Validates a computed-trait definition (`POST /v1/computed-traits`), naming the path of every problem. */
import {
  COMPUTED_TRAIT_KINDS,
  type ComputedTraitDefinition,
  type ComputedTraitKind,
  type ScoreRule,
} from '@exhaust/schema';
import {
  checkDuration,
  checkKey,
  checkName,
  checkObject,
  checkOpAndValue,
  checkOptionalText,
  checkWhere,
  isRecord,
} from './fields.js';
import { type DefinitionContext, IssueList, type Path, type ValidationResult } from './validation.js';

/** Most rules in one score. */
export const MAX_SCORE_RULES = 50;

const COMMON_FIELDS = ['key', 'kind', 'name', 'description'] as const;
const FIELDS_BY_KIND: Record<ComputedTraitKind, readonly string[]> = {
  count: [...COMMON_FIELDS, 'event', 'where', 'within'],
  sum: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  avg: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  min: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  max: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  first: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  last: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  mostFrequent: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  uniqueList: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  uniqueCount: [...COMMON_FIELDS, 'event', 'where', 'within', 'property'],
  score: [...COMMON_FIELDS, 'rules', 'within', 'halfLife', 'min', 'max'],
};

function checkNumber(value: unknown, path: Path, issues: IssueList, positive = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && value <= 0)) {
    return void issues.add(path, 'invalid_value', positive ? 'expected a positive number' : 'expected a finite number');
  }
  return value;
}

function checkRule(input: unknown, path: Path, issues: IssueList): ScoreRule | undefined {
  const rule = checkObject(input, path, ['when', 'points', 'maxPerDay'], issues);
  if (!rule) return undefined;
  const points = checkNumber(rule.points, [...path, 'points'], issues);
  if (rule.points === undefined) issues.add([...path, 'points'], 'required', 'points is required');
  const maxPerDay = checkNumber(rule.maxPerDay, [...path, 'maxPerDay'], issues, true);
  const whenPath = [...path, 'when'];
  const when = rule.when;
  if (!isRecord(when))
    return void issues.add(whenPath, 'invalid_type', 'when must be an event match or a trait predicate');
  if ('trait' in when) {
    checkObject(when, whenPath, ['trait', 'op', 'value'], issues);
    const trait = checkName(when.trait, [...whenPath, 'trait'], issues);
    const opValue = checkOpAndValue(when, whenPath, issues);
    if (maxPerDay !== undefined) {
      issues.add([...path, 'maxPerDay'], 'invalid_value', 'maxPerDay applies to event rules only');
    }
    if (trait === undefined || !opValue || points === undefined) return undefined;
    return { when: { trait, ...opValue }, points };
  }
  if ('event' in when) {
    checkObject(when, whenPath, ['event', 'where'], issues);
    const event = checkName(when.event, [...whenPath, 'event'], issues);
    const where = checkWhere(when.where, [...whenPath, 'where'], issues);
    if (event === undefined || points === undefined) return undefined;
    return { when: where ? { event, where } : { event }, points, ...(maxPerDay !== undefined && { maxPerDay }) };
  }
  return void issues.add(whenPath, 'required', 'when needs "event" or "trait"');
}

/**
 * Validates a computed-trait definition; the value returned carries only known fields.
 *
 * @example
 * parseComputedTrait({ key: 'orders_30d', kind: 'count', event: 'Order Completed', within: '30d' }, ctx);
 * // { ok: true, value: { key: 'orders_30d', kind: 'count', event: 'Order Completed', within: '30d' } }
 */
export function parseComputedTrait(input: unknown, ctx: DefinitionContext): ValidationResult<ComputedTraitDefinition> {
  const issues = new IssueList();
  if (!isRecord(input)) {
    issues.add([], 'invalid_type', 'expected an object');
    return { ok: false, issues: issues.issues };
  }
  const key = checkKey(input.key, ['key'], issues);
  const kind = input.kind;
  if (typeof kind !== 'string' || !(COMPUTED_TRAIT_KINDS as readonly string[]).includes(kind)) {
    issues.add(['kind'], 'unknown_kind', `kind must be one of ${COMPUTED_TRAIT_KINDS.join(', ')}`);
    return { ok: false, issues: issues.issues };
  }
  const typedKind = kind as ComputedTraitKind;
  checkObject(input, [], FIELDS_BY_KIND[typedKind], issues);
  const name = checkOptionalText(input.name, ['name'], issues);
  const description = checkOptionalText(input.description, ['description'], issues);
  const within =
    input.within === undefined ? undefined : checkDuration(input.within, ['within'], ctx.maxWindowMs, issues);
  const definition: ComputedTraitDefinition = { key: key ?? '', kind: typedKind };
  if (name !== undefined) definition.name = name;
  if (description !== undefined) definition.description = description;

  if (typedKind === 'score') {
    if (!Array.isArray(input.rules) || input.rules.length === 0) {
      issues.add(['rules'], input.rules === undefined ? 'required' : 'invalid_type', 'rules must be a non-empty array');
    } else if (input.rules.length > MAX_SCORE_RULES) {
      issues.add(['rules'], 'too_complex', `at most ${MAX_SCORE_RULES} rules`);
    } else {
      const rules = input.rules.map((rule, index) => checkRule(rule, ['rules', index], issues));
      definition.rules = rules.filter((rule): rule is ScoreRule => rule !== undefined);
    }
    if (input.halfLife !== undefined) {
      if (input.within !== undefined) {
        issues.add(['halfLife'], 'exclusive_fields', 'a score takes either within or halfLife, not both');
      } else if (checkDuration(input.halfLife, ['halfLife'], ctx.maxWindowMs, issues) !== undefined) {
        definition.halfLife = input.halfLife as string;
      }
    }
    const min = checkNumber(input.min, ['min'], issues);
    const max = checkNumber(input.max, ['max'], issues);
    if (min !== undefined) definition.min = min;
    if (max !== undefined) definition.max = max;
    if (min !== undefined && max !== undefined && min > max) issues.add(['min'], 'invalid_value', 'min is above max');
  } else {
    const event = checkName(input.event, ['event'], issues);
    if (event !== undefined) definition.event = event;
    const where = checkWhere(input.where, ['where'], issues);
    if (where !== undefined) definition.where = where;
    if (typedKind !== 'count') {
      const property = checkName(input.property, ['property'], issues);
      if (property !== undefined) definition.property = property;
    }
  }
  if (within !== undefined) definition.within = input.within as string;
  if (issues.issues.length > 0) return { ok: false, issues: issues.issues };
  return { ok: true, value: definition };
}
