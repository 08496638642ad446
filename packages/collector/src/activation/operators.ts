/**
 * Predicate operators shared by `where` filters, trait predicates and
 * computed-trait predicates. A missing value is `undefined`; `null` is a value
 * only for `eq`/`neq`/`in`, and `exists` treats it as absent.
 */
import type { CountOp, JsonObject, JsonValue, PredicateOp } from '@exhaust/schema';

/** JSON equality: same type and, for arrays and objects, equal members (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as JsonValue[];
    return a.length === other.length && a.every((item, index) => jsonEqual(item, other[index]));
  }
  const left = a as JsonObject;
  const right = b as JsonObject;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]))
  );
}

/** Orders two numbers, or two strings (ISO dates order correctly); null when they are not comparable. */
function order(actual: JsonValue | undefined, expected: JsonValue | undefined): number | null {
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  return null;
}

/**
 * Applies one operator.
 *
 * @example
 * applyOp(42, 'gte', 40); // true
 * applyOp(['a', 'b'], 'contains', 'b'); // true
 * applyOp(undefined, 'notExists'); // true
 */
export function applyOp(actual: JsonValue | undefined, op: PredicateOp, expected?: JsonValue): boolean {
  switch (op) {
    case 'eq':
      return jsonEqual(actual, expected);
    case 'neq':
      return !jsonEqual(actual, expected);
    case 'gt': {
      const o = order(actual, expected);
      return o !== null && o > 0;
    }
    case 'gte': {
      const o = order(actual, expected);
      return o !== null && o >= 0;
    }
    case 'lt': {
      const o = order(actual, expected);
      return o !== null && o < 0;
    }
    case 'lte': {
      const o = order(actual, expected);
      return o !== null && o <= 0;
    }
    case 'in':
      return Array.isArray(expected) && expected.some((item) => jsonEqual(actual, item));
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => jsonEqual(item, expected));
    case 'startsWith':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'notExists':
      return actual === undefined || actual === null;
  }
}

/** Compares an event count. */
export function applyCountOp(count: number, op: CountOp, expected: number): boolean {
  switch (op) {
    case 'eq':
      return count === expected;
    case 'neq':
      return count !== expected;
    case 'gt':
      return count > expected;
    case 'gte':
      return count >= expected;
    case 'lt':
      return count < expected;
    case 'lte':
      return count <= expected;
  }
}

/**
 * Reads a property or trait: the exact key first, else a dotted path into nested objects
 * (`address.city`), so keys that contain dots still work.
 */
export function readPath(object: JsonObject, path: string): JsonValue | undefined {
  if (Object.hasOwn(object, path)) return object[path];
  if (!path.includes('.')) return undefined;
  let current: JsonValue | undefined = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, part)) {
      return undefined;
    }
    current = current[part];
  }
  return current;
}
