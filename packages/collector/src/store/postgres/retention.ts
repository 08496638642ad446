/**
 * Event retention on PostgreSQL: a month's partition goes once its END is at
 * or before the cut-off, i.e. when every event in it is past retention; the
 * month straddling the cut-off stays whole. Dropping a partition costs nothing
 * like deleting its rows (no dead tuples, no vacuum, no WAL per row).
 *
 * One pass at a time across every collector: a session advisory TRY-lock, so a
 * collector whose twin is mid-pass skips instead of queueing (the twin does the
 * same work). Each month is its own short transaction: DETACH (which needs an
 * ACCESS EXCLUSIVE lock on `events`, so it waits at most
 * `RETENTION_LOCK_TIMEOUT_MS`: ingest queued behind it stalls no longer) and a
 * rename to `events_retired_*`, then, holding nothing ingest needs, the count and
 * the DROP. A pass cut off between the two finds the retired table and drops it
 * the next time.
 *
 * The dedupe rows (`seen_message_ids`) of dropped events are kept: a replayed
 * old message stays a duplicate (as after an erasure), and each is a hash, a
 * seq and a timestamp against an event's whole payload.
 */
import type pg from 'pg';
import type { RetentionResult } from '../store.js';
import { LOCK_KEYS } from './locks.js';
import type { Partitions } from './partitions.js';
import { acquire, isUnavailable } from './pool.js';

/** Longest a DETACH waits for its lock on `events` before the month is left to the next pass (ingest queues behind it meanwhile). */
export const RETENTION_LOCK_TIMEOUT_MS = 2_000;

const PARTITION_NAME = /^events_p(\d{4})_(\d{2})$/;
const RETIRED_PREFIX = 'events_retired_';

/** Epoch ms at which the month of a partition named by partitions.ts ends; null for any other name. */
export function partitionEndMs(name: string): number | null {
  const match = PARTITION_NAME.exec(name);
  if (!match) return null;
  const end = new Date(0);
  // Month index = the 1-based month: the first day of the next month. setUTCFullYear keeps years 0-99 as given.
  end.setUTCFullYear(Number(match[1]), Number(match[2]), 1);
  return end.getTime();
}

/** SQLSTATE 55P03: the lock_timeout ran out. */
const isLockTimeout = (error: unknown) => (error as { code?: string } | null)?.code === '55P03';

/** Detaches and drops every month that ends at or before `before`; answers what went. */
export async function applyPostgresRetention(
  pool: pg.Pool,
  partitions: Partitions,
  before: string,
): Promise<RetentionResult> {
  const cutoff = Date.parse(before);
  if (!Number.isFinite(cutoff)) throw new Error(`not an ISO timestamp: ${before}`);
  const result: RetentionResult = { events: 0, partitions: [] };
  const client = await acquire(pool);
  let broken: Error | undefined;
  let locked = false;
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      LOCK_KEYS.retention,
    ]);
    locked = rows[0]?.ok === true;
    if (!locked) return result;
    // Left by a pass cut off after its DETACH: their events are already out of `events`.
    for (const name of await retiredTables(client)) result.events += await countAndDrop(client, name);

    const { rows: attached } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
    );
    for (const { name } of attached) {
      const end = partitionEndMs(name);
      if (end === null || end > cutoff) continue;
      const retired = `${RETIRED_PREFIX}${name.slice('events_p'.length)}`;
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL lock_timeout = ${RETENTION_LOCK_TIMEOUT_MS}`);
        await client.query(`ALTER TABLE events DETACH PARTITION ${name}`);
        await client.query(`ALTER TABLE ${name} RENAME TO ${retired}`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        // Busy `events` (a long read holds it): the next pass tries again.
        if (isLockTimeout(error)) break;
        throw error;
      }
      partitions.forget();
      result.events += await countAndDrop(client, retired);
      result.partitions.push(name);
    }
    return result;
  } catch (error) {
    if (isUnavailable(error)) broken = error as Error;
    throw error;
  } finally {
    if (locked && !broken) {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEYS.retention]).catch((error: Error) => {
        // A session lock we could not release must not stay with a pooled connection.
        broken = error;
      });
    }
    client.release(broken);
  }
}

async function retiredTables(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind = 'r' AND c.relname LIKE $1
     ORDER BY c.relname`,
    [`${RETIRED_PREFIX.replaceAll('_', '\\_')}%`],
  );
  return rows.map((row) => row.name);
}

/** Counts a detached month's events and drops it, with no statement timeout: nothing else waits on it. */
async function countAndDrop(client: pg.PoolClient, table: string): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL statement_timeout = 0');
    const { rows } = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    await client.query(`DROP TABLE ${table}`);
    await client.query('COMMIT');
    return rows[0]?.n ?? 0;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
