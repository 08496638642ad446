/**
 * Field validators shared by computed-trait and audience definitions: keys,
 * durations, names, predicates and `where` filters. Each records issues with
 * the full path and returns the clean value (or undefined when refused).
 */
import {
  COUNT_OPS,
  type CountOp,
  type JsonValue,
  MAX_NAME_LENGTH,
  PREDICATE_OPS,
  type PredicateOp,
  type WhereClause,
} from '@exhaust/schema';
import { parseDuration } from '../durations.js';
import type { IssueList, Path } from './validation.js';

/** Longest computed-trait or audience key, in characters. */
export const MAX_DEFINITION_KEY_LENGTH = 64;
/** Most conditions in one `where` list. */
export const MAX_WHERE_CLAUSES = 20;

const KEY_PATTERN = /^[a-z0-9_]+$/;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that `input` is an object with only `allowed` fields; returns it or undefined. */
export function checkObject(
  input: unknown,
  path: Path,
  allowed: readonly string[],
  issues: IssueList,
): Record<string, unknown> | undefined {
  if (!isRecord(input)) {
    issues.add(path, 'invalid_type', 'expected an object');
    return undefined;
  }
  for (const field of Object.keys(input)) {
    if (!allowed.includes(field)) issues.add([...path, field], 'unknown_field', `unknown field "${field}"`);
  }
  return input;
}

export function checkKey(value: unknown, path: Path, issues: IssueList): string | undefined {
  if (value === undefined) return void issues.add(path, 'required', 'key is required');
  if (typeof value !== 'string' || !KEY_PATTERN.test(value) || value.length > MAX_DEFINITION_KEY_LENGTH) {
    return void issues.add(
      path,
      'invalid_key',
      `key must be 1-${MAX_DEFINITION_KEY_LENGTH} characters of lowercase a-z, 0-9 and _`,
    );
  }
  return value;
}

/** A non-empty string of at most MAX_NAME_LENGTH characters (event names, property paths, trait names). */
export function checkName(value: unknown, path: Path, issues: IssueList, required = true): string | undefined {
  if (value === undefined) return required ? void issues.add(path, 'required', 'required') : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    return void issues.add(path, 'invalid_value', `expected a string of 1-${MAX_NAME_LENGTH} characters`);
  }
  return value;
}

/** A duration within the configured maximum; returns milliseconds. */
export function checkDuration(value: unknown, path: Path, maxWindowMs: number, issues: IssueList): number | undefined {
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null) {
    return void issues.add(path, 'invalid_duration', 'expected a duration such as "45s", "10m", "12h" or "30d"');
  }
  if (ms > maxWindowMs) {
    return void issues.add(path, 'window_too_long', `longer than the maximum of ${maxWindowMs / 86_400_000} days`);
  }
  return ms;
}

function isJson(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  return isRecord(value) && Object.values(value).every(isJson);
}

/** Checks `op` and the `value` it needs; `node` holds both fields. */
export function checkOpAndValue(
  node: Record<string, unknown>,
  path: Path,
  issues: IssueList,
): { op: PredicateOp; value?: JsonValue } | undefined {
  const op = node.op;
  if (typeof op !== 'string' || !(PREDICATE_OPS as readonly string[]).includes(op)) {
    return void issues.add([...path, 'op'], 'unknown_op', `op must be one of ${PREDICATE_OPS.join(', ')}`);
  }
  const value = node.value;
  const valuePath = [...path, 'value'];
  switch (op as PredicateOp) {
    case 'exists':
    case 'notExists':
      if (value !== undefined) return void issues.add(valuePath, 'invalid_value', `${op} takes no value`);
      return { op: op as PredicateOp };
    case 'in':
      if (!Array.isArray(value) || !isJson(value))
        return void issues.add(valuePath, 'invalid_value', 'in takes an array');
      break;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) {
        return void issues.add(valuePath, 'invalid_value', `${op} takes a number or a string`);
      }
      break;
    case 'startsWith':
      if (typeof value !== 'string') return void issues.add(valuePath, 'invalid_value', 'startsWith takes a string');
      break;
    default:
      if (value === undefined || !isJson(value))
        return void issues.add(valuePath, 'invalid_value', `${op} takes a JSON value`);
  }
  return { op: op as PredicateOp, value: value as JsonValue };
}

/** `{ op, value }` of an event condition's count: a comparison with a non-negative integer. */
export function checkCount(input: unknown, path: Path, issues: IssueList): { op: CountOp; value: number } | undefined {
  const node = checkObject(input, path, ['op', 'value'], issues);
  if (!node) return undefined;
  if (typeof node.op !== 'string' || !(COUNT_OPS as readonly string[]).includes(node.op)) {
    return void issues.add([...path, 'op'], 'unknown_op', `count op must be one of ${COUNT_OPS.join(', ')}`);
  }
  if (typeof node.value !== 'number' || !Number.isInteger(node.value) || node.value < 0) {
    return void issues.add([...path, 'value'], 'invalid_value', 'count value must be a non-negative integer');
  }
  return { op: node.op as CountOp, value: node.value };
}

export function checkWhere(input: unknown, path: Path, issues: IssueList): WhereClause[] | undefined {
  if (input === undefined) return undefined;
  if (!Array.isArray(input)) return void issues.add(path, 'invalid_type', 'where must be an array');
  if (input.length > MAX_WHERE_CLAUSES) {
    return void issues.add(path, 'too_complex', `at most ${MAX_WHERE_CLAUSES} where conditions`);
  }
  const clauses: WhereClause[] = [];
  input.forEach((item, index) => {
    const clausePath = [...path, index];
    const clause = checkObject(item, clausePath, ['property', 'op', 'value'], issues);
    if (!clause) return;
    const property = checkName(clause.property, [...clausePath, 'property'], issues);
    const opValue = checkOpAndValue(clause, clausePath, issues);
    if (property !== undefined && opValue) clauses.push({ property, ...opValue });
  });
  return clauses;
}

/** Optional human-facing strings every definition may carry. */
export function checkOptionalText(value: unknown, path: Path, issues: IssueList): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_NAME_LENGTH) {
    return void issues.add(path, 'invalid_value', `expected a string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return value;
}
