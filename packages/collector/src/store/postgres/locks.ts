/**
 * Advisory locks: how several collectors on one database keep identity
 * resolution as serial as SQLite's single writer made it, without one global
 * lock.
 *
 * - Identifier locks (the bigint key space, a 64-bit hash of `type:value`):
 *   a group-commit transaction takes the locks of EVERY identifier its events
 *   may touch, sorted, before its first event. They guard "unknown -> known":
 *   two collectors seeing the same new anonymousId at once never both create a
 *   profile for it. Taken all at once and in one global order, they never deadlock.
 * - Profile (root) locks (the two-int key space, the root fragment's id): held
 *   by whoever changes or decides on a merged profile (claims identifiers into
 *   it, merges it, unmerges or erases it, or counts its identifiers against the
 *   limits). Taken per event, after reading which roots the event touches, then
 *   re-read until the roots read are the roots locked.
 *
 * All are transaction-scoped: COMMIT or ROLLBACK releases them, so a collector
 * killed mid-transaction never leaves one behind. Root locks are taken while
 * earlier events of the group hold others, so two groups can deadlock;
 * PostgreSQL detects it, aborts one, and the group commit runs that group again
 * (nothing of it was acknowledged).
 */
import { createHash } from 'node:crypto';
import { type Identifier, identifierKey } from '../../identity/identifiers.js';
import type { Queryable } from './pool.js';

/** A signed 64-bit advisory lock key (as decimal text: JavaScript numbers cannot hold it) for `text`. */
export function lockKeyOf(text: string): string {
  return createHash('sha256').update(text).digest().readBigInt64BE(0).toString();
}

/** Session and transaction locks of whole-store chores. */
export const LOCK_KEYS = {
  migrations: lockKeyOf('exhaust:migrations'),
  partitions: lockKeyOf('exhaust:partitions'),
  retention: lockKeyOf('exhaust:retention'),
  /** Creating the first unsubscribe-link signing key: one between collectors starting at once. */
  signingKeys: lockKeyOf('exhaust:signing-keys'),
  /** Held for a whole `migrate-store` run: one copy into a database at a time. */
  migrateStore: lockKeyOf('exhaust:migrate-store'),
} as const;

export function identifierLockKey(identifier: Identifier): string {
  return lockKeyOf(`identifier:${identifierKey(identifier)}`);
}

const byBigInt = (a: string, b: string) => {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Takes the locks of these keys in ascending order (duplicates once); waits for each. */
export async function lockIdentifierKeys(db: Queryable, keys: Iterable<string>): Promise<void> {
  const sorted = [...new Set(keys)].sort(byBigInt);
  if (sorted.length === 0) return;
  await db.query({
    name: 'lock_identifiers',
    text: 'SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k',
    values: [sorted],
  });
}

/** Takes the profile locks of these root fragments in ascending order; waits for each. */
export async function lockRoots(db: Queryable, rootIds: Iterable<number>): Promise<void> {
  const sorted = [...new Set(rootIds)].sort((a, b) => a - b);
  if (sorted.length === 0) return;
  await db.query({
    name: 'lock_roots',
    text: `SELECT count(pg_advisory_xact_lock((r >> 31)::int, (r & 2147483647)::int))
           FROM unnest($1::bigint[]) AS r`,
    values: [sorted],
  });
}
