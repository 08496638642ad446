import { describe, expect, it } from 'vitest';
import { CoercionError, coerce } from './coerce.js';

const where = () => 't.c';

describe('coerce (a SQLite value for a PostgreSQL column type)', () => {
  it.each([
    [1, 'boolean', true],
    [0, 'boolean', false],
    [null, 'boolean', null],
    [1_764_633_600_000, 'timestamp with time zone', '2025-12-02T00:00:00.000Z'],
    ['2026-11-20T10:00:00.000Z', 'timestamp with time zone', '2026-11-20T10:00:00.000Z'],
    ['2026-11-20T10:00:00.000Z', 'bigint', Date.parse('2026-11-20T10:00:00.000Z')],
    [42, 'bigint', 42],
    ['42', 'integer', '42'],
    [1.5, 'double precision', 1.5],
    ['{"a":1}', 'jsonb', '{"a":1}'],
    [7, 'text', '7'],
  ] as const)('%j as %s', (value, type, expected) => {
    expect(coerce(value, type, where)).toEqual(expected);
  });

  it('keeps blobs as bytes for bytea', () => {
    const bytes = Buffer.from([0, 1, 255]);
    expect(coerce(bytes, 'bytea', where)).toBe(bytes);
  });

  it.each([
    [2, 'boolean'],
    ['soon', 'timestamp with time zone'],
    ['abc', 'bigint'],
    [Buffer.from('x'), 'text'],
  ] as const)('refuses %j as %s, naming the column', (value, type) => {
    expect(() => coerce(value, type, where)).toThrow(CoercionError);
    expect(() => coerce(value, type, where)).toThrow(/^t\.c: /);
  });
});
