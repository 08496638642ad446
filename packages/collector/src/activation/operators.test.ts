import type { JsonValue, PredicateOp } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { applyCountOp, applyOp, jsonEqual, readPath } from './operators.js';

describe('applyOp', () => {
  const cases: [JsonValue | undefined, PredicateOp, JsonValue | undefined, boolean][] = [
    ['pro', 'eq', 'pro', true],
    ['pro', 'eq', 'free', false],
    [1, 'eq', '1', false],
    [{ a: [1, 2] }, 'eq', { a: [1, 2] }, true],
    [undefined, 'eq', null, false],
    [null, 'eq', null, true],
    ['pro', 'neq', 'free', true],
    ['pro', 'neq', 'pro', false],
    [undefined, 'neq', 'pro', true],
    [5, 'gt', 4, true],
    [4, 'gt', 4, false],
    [4, 'gte', 4, true],
    [3, 'gte', 4, false],
    [3, 'lt', 4, true],
    [4, 'lt', 4, false],
    [4, 'lte', 4, true],
    [5, 'lte', 4, false],
    ['2026-02-01', 'gt', '2026-01-31', true],
    ['5', 'gt', 4, false],
    [undefined, 'lt', 4, false],
    ['pro', 'in', ['pro', 'team'], true],
    ['free', 'in', ['pro', 'team'], false],
    [2, 'in', [1, 2], true],
    ['hello world', 'contains', 'lo w', true],
    ['hello', 'contains', 'x', false],
    [['a', 'b'], 'contains', 'b', true],
    [['a', 'b'], 'contains', 'c', false],
    [42, 'contains', 4, false],
    ['https://acme.com/x', 'startsWith', 'https://acme', true],
    ['http://acme.com', 'startsWith', 'https://', false],
    [7, 'startsWith', '7', false],
    [0, 'exists', undefined, true],
    ['', 'exists', undefined, true],
    [null, 'exists', undefined, false],
    [undefined, 'exists', undefined, false],
    [undefined, 'notExists', undefined, true],
    [null, 'notExists', undefined, true],
    [false, 'notExists', undefined, false],
  ];
  it.each(cases)('%j %s %j -> %s', (actual, op, expected, result) =>
    expect(applyOp(actual, op, expected)).toBe(result),
  );
});

describe('applyCountOp', () => {
  it.each([
    [0, 'eq', 0, true],
    [1, 'eq', 0, false],
    [1, 'neq', 0, true],
    [2, 'gt', 1, true],
    [1, 'gte', 1, true],
    [0, 'lt', 1, true],
    [2, 'lte', 1, false],
  ] as const)('%d %s %d -> %s', (count, op, expected, result) =>
    expect(applyCountOp(count, op, expected)).toBe(result),
  );
});

describe('readPath and jsonEqual', () => {
  it('reads exact keys first, then dotted paths', () => {
    expect(readPath({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(readPath({ a: { b: { c: 3 } } }, 'a.b.c')).toBe(3);
    expect(readPath({ a: [1] }, 'a.0')).toBeUndefined();
    expect(readPath({}, 'missing')).toBeUndefined();
  });
  it('ignores key order of objects', () => {
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
  });
});
