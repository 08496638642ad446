/**
 * A SQLite value as the PostgreSQL column wants it, decided by the column's
 * `information_schema` data type: 0/1 become booleans, epoch milliseconds
 * become ISO timestamps where PostgreSQL keeps a timestamp (and ISO text
 * becomes milliseconds where it keeps a number), JSON stays text (the insert
 * casts it, so the stored bytes are the ones SQLite had).
 */

export class CoercionError extends Error {}

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);
const NUMBER_TYPES = new Set(['numeric', 'real', 'double precision']);
const TIMESTAMP_TYPES = new Set(['timestamp with time zone', 'timestamp without time zone', 'date']);

type SqliteValue = null | number | bigint | string | Buffer;

export function coerce(value: SqliteValue, dataType: string, where: () => string): unknown {
  if (value === null) return null;
  const fail = (why: string) =>
    new CoercionError(`${where()}: cannot store ${JSON.stringify(String(value))} as ${dataType} (${why})`);
  if (dataType === 'boolean') {
    if (value === 0 || value === 1 || value === 0n || value === 1n) return Number(value) === 1;
    throw fail('expected 0 or 1');
  }
  if (INTEGER_TYPES.has(dataType) || NUMBER_TYPES.has(dataType)) {
    if (typeof value === 'number' || typeof value === 'bigint') return value;
    if (typeof value === 'string') {
      if (value.trim() !== '' && Number.isFinite(Number(value))) return value;
      const ms = Date.parse(value);
      if (Number.isFinite(ms)) return ms;
    }
    throw fail('not a number');
  }
  if (TIMESTAMP_TYPES.has(dataType)) {
    if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value)).toISOString();
    if (typeof value === 'string' && Number.isFinite(Date.parse(value))) return value;
    throw fail('not a timestamp');
  }
  if (dataType === 'bytea') {
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    throw fail('not bytes');
  }
  if (Buffer.isBuffer(value)) throw fail('bytes where PostgreSQL keeps text');
  // text, json, jsonb and anything else PostgreSQL parses from text.
  return typeof value === 'string' ? value : String(value);
}
