/**
 * What the console's overview reads: recent rejections (a bounded table),
 * events per minute, totals, warnings per code and each source's last event.
 * Time ranges are found by a binary search on the arrival order (events.seq,
 * ingestion_warnings.id), which follows the received time, instead of an index
 * on it that every ingested event would pay for.
 */
import type { MessageType, RecentRejection, WarningCode } from '@exhaust/schema';
import type { Database } from 'better-sqlite3';
import { type RejectionRow, toRecentRejection } from '../rows.js';
import { type EventTotals, type LastEvent, MAX_RECENT_REJECTIONS } from '../store.js';

/** SQL of the migration that adds the rejections table (version 40). */
export const REJECTIONS_MIGRATION_SQL = `
  -- The newest rejected messages (MAX_RECENT_REJECTIONS): why, where, from which source. Never the payload.
  CREATE TABLE ingestion_rejections (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    message_id TEXT,
    code TEXT NOT NULL,
    path TEXT NOT NULL,   -- JSON array
    message TEXT NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX ingestion_rejections_message ON ingestion_rejections (message_id) WHERE message_id IS NOT NULL;
`;

/**
 * The first key of `table` whose `column` is at or after `since`, assuming the
 * column grows with the key (arrival order); null when none is.
 */
function firstKeyAtOrAfter(db: Database, table: string, key: string, column: string, since: string): number | null {
  const bounds = db.prepare(`SELECT MIN(${key}) AS lo, MAX(${key}) AS hi FROM ${table}`).get() as {
    lo: number | null;
    hi: number | null;
  };
  if (bounds.lo === null || bounds.hi === null) return null;
  const at = db.prepare(`SELECT ${key} AS k, ${column} AS v FROM ${table} WHERE ${key} >= ? ORDER BY ${key} LIMIT 1`);
  let lo = bounds.lo;
  let hi = bounds.hi;
  if ((at.get(hi) as { v: string }).v < since) return null;
  // Invariant: the row at or after `hi` is at or after `since`.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = at.get(mid) as { k: number; v: string };
    if (row.v >= since) hi = Math.min(mid, row.k);
    else lo = row.k + 1;
  }
  return (at.get(lo) as { k: number }).k;
}

export function createSqliteActivity(db: Database) {
  const sql = {
    insertRejection: db.prepare(
      'INSERT INTO ingestion_rejections (source, message_id, code, path, message, at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    trimRejections: db.prepare(
      'DELETE FROM ingestion_rejections WHERE id <= (SELECT MAX(id) FROM ingestion_rejections) - ?',
    ),
    rejections: db.prepare('SELECT * FROM ingestion_rejections ORDER BY id DESC LIMIT ?'),
    rejectionsOf: db.prepare('SELECT * FROM ingestion_rejections WHERE message_id = ? ORDER BY id DESC'),
    eventCount: db.prepare('SELECT COUNT(*) FROM events').pluck(),
    profileCount: db
      .prepare('SELECT COUNT(*) FROM id_fragments WHERE canonical_id = id AND holding_for IS NULL')
      .pluck(),
    identifiedCount: db
      .prepare(
        `SELECT COUNT(DISTINCT f.canonical_id) FROM id_identifiers i JOIN id_fragments f ON f.id = i.fragment_id
         WHERE i.type = 'userId'`,
      )
      .pluck(),
    sourceNames: db.prepare('SELECT name FROM sources').pluck(),
    lastEventOf: db.prepare(
      'SELECT message_id, type, received_at FROM events WHERE source = ? ORDER BY seq DESC LIMIT 1',
    ),
  };
  return {
    /** Must run inside a transaction (the engine opens one). */
    recordRejections(rejections: RecentRejection[]): void {
      for (const r of rejections) {
        sql.insertRejection.run(r.source, r.messageId, r.code, JSON.stringify(r.path), r.message, r.at);
      }
      sql.trimRejections.run(MAX_RECENT_REJECTIONS);
    },
    listRejections(limit: number): RecentRejection[] {
      return (sql.rejections.all(limit) as RejectionRow[]).map(toRecentRejection);
    },
    rejectionsOf(messageId: string): RecentRejection[] {
      return (sql.rejectionsOf.all(messageId) as RejectionRow[]).map(toRecentRejection);
    },
    countEventsPerMinute(since: string): Record<string, number> {
      const from = firstKeyAtOrAfter(db, 'events', 'seq', 'received_at', since);
      if (from === null) return {};
      const rows = db
        .prepare(
          `SELECT substr(received_at, 1, 16) AS minute, COUNT(*) AS n FROM events
           WHERE seq >= ? AND received_at >= ? GROUP BY minute`,
        )
        .all(from, since) as { minute: string; n: number }[];
      return Object.fromEntries(rows.map((row) => [row.minute, row.n]));
    },
    totals(): EventTotals {
      return {
        events: sql.eventCount.get() as number,
        profiles: sql.profileCount.get() as number,
        identifiedProfiles: sql.identifiedCount.get() as number,
      };
    },
    summarizeWarnings(since: string): { code: WarningCode; count: number; lastAt: string }[] {
      const from = firstKeyAtOrAfter(db, 'ingestion_warnings', 'id', 'at', since);
      if (from === null) return [];
      return db
        .prepare(
          `SELECT code, COUNT(*) AS count, MAX(at) AS lastAt FROM ingestion_warnings
           WHERE id >= ? AND at >= ? GROUP BY code ORDER BY count DESC, code`,
        )
        .all(from, since) as { code: WarningCode; count: number; lastAt: string }[];
    },
    /** NOTE: a source silent for long scans back to its last event; fine for tens of sources. */
    lastEventPerSource(): LastEvent[] {
      const found: LastEvent[] = [];
      for (const source of sql.sourceNames.all() as string[]) {
        const row = sql.lastEventOf.get(source) as
          | { message_id: string; type: MessageType; received_at: string }
          | undefined;
        if (row) found.push({ source, messageId: row.message_id, type: row.type, receivedAt: row.received_at });
      }
      return found;
    },
  };
}

export type SqliteActivity = ReturnType<typeof createSqliteActivity>;
