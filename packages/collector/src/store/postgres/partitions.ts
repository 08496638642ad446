/**
 * Monthly partitions of `events`, created on demand: before a group's
 * transaction, for each month its events fall in (by corrected timestamp)
 * that this collector has not seen yet. Creation runs in its own short
 * transaction under an advisory lock, because CREATE TABLE ... PARTITION OF
 * locks the parent table: inside an ingest transaction it would stall every
 * other collector's inserts until that group commits.
 */
import type pg from 'pg';
import { LOCK_KEYS } from './locks.js';
import { inTransaction } from './pool.js';

/** `events_p2026_11` for a timestamp in November 2026 (UTC). */
export function partitionOf(timestamp: string): { name: string; from: string; to: string } {
  const date = new Date(timestamp);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (!Number.isFinite(year) || year < 1 || year > 9999) throw new Error(`timestamp out of range: ${timestamp}`);
  const from = new Date(Date.UTC(year, month, 1));
  from.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999.
  const to = new Date(from);
  to.setUTCMonth(month + 1);
  return {
    name: `events_p${String(year).padStart(4, '0')}_${String(month + 1).padStart(2, '0')}`,
    from: from.toISOString(),
    to: to.toISOString(),
  };
}

export interface Partitions {
  /**
   * Makes sure the partitions for these timestamps exist. Answers, per month
   * that could not be created, the error (its events' requests fail alone).
   */
  ensure(timestamps: Iterable<string>): Promise<Map<string, unknown>>;
  /**
   * Forgets which partitions exist: retention dropped some (here, or on another collector,
   * which an insert finds out), so `ensure` asks the database again.
   */
  forget(): void;
}

export function createPartitions(pool: pg.Pool): Partitions {
  const known = new Set<string>();
  return {
    async ensure(timestamps) {
      const failures = new Map<string, unknown>();
      const wanted = new Map<string, ReturnType<typeof partitionOf>>();
      for (const timestamp of timestamps) {
        try {
          const partition = partitionOf(timestamp);
          if (!known.has(partition.name)) wanted.set(partition.name, partition);
        } catch (error) {
          failures.set(timestamp, error);
        }
      }
      if (wanted.size === 0) return failures;
      await inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEYS.partitions]);
        for (const { name, from, to } of wanted.values()) {
          await client.query(
            `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF events FOR VALUES FROM ('${from}') TO ('${to}')`,
          );
        }
      });
      for (const name of wanted.keys()) known.add(name);
      return failures;
    },
    forget() {
      known.clear();
    },
  };
}
