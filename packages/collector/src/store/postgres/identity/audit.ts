/**
 * What erasure and suppression leave to look at in PostgreSQL (the SQLite
 * store's audit.ts, same answers): deletion records (counts only) and drops
 * counted per suppression entry (named by a hash prefix). Neither table holds
 * an identifier.
 */
import type { DeletionRecord, Page, SuppressionStat } from '@exhaust/schema';
import { decodeCursor, encodeCursor } from '../../cursor.js';
import { SUPPRESSED_DETAIL_HEX_CHARS } from '../../sqlite/identity/resolve.js';
import type { PageQuery } from '../../store.js';
import type { Queryable } from '../pool.js';

/** SQL of migration version 4's identity part. */
export const AUDIT_MIGRATION_SQL = `
  -- Drops per suppression entry: last_dropped_seq is the seq the dropped event was given,
  -- unique per drop, so it orders and pages the stats.
  ALTER TABLE id_suppressions ADD COLUMN last_dropped_at text;
  ALTER TABLE id_suppressions ADD COLUMN last_dropped_seq bigint;
  CREATE INDEX id_suppressions_last_dropped ON id_suppressions (last_dropped_seq)
    WHERE last_dropped_seq IS NOT NULL;
  CREATE INDEX id_suppressions_deletion ON id_suppressions (deletion_id);
  -- What erasure removed beyond identity: subscription rows and contact-suppressed addresses.
  ALTER TABLE id_deletions ADD COLUMN subscriptions integer NOT NULL DEFAULT 0;
  ALTER TABLE id_deletions ADD COLUMN contact_suppressed integer NOT NULL DEFAULT 0;
  -- sha-256 of "kind:address" (kind email, phone or push) of erased people's addresses: they
  -- may never be subscribed again. Written by erasure; subscriptions will read it.
  CREATE TABLE sub_contact_suppressions (
    hash bytea PRIMARY KEY,
    deletion_id text NOT NULL
  );
`;

/** Erasures, newest first. */
export async function listDeletions(db: Queryable, query: PageQuery): Promise<Page<DeletionRecord>> {
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const { rows } = await db.query<DeletionRecord & { id: string; droppedEvents: string }>(
    `SELECT d.id, d.public_id AS "deletionId", d.at, d.profiles, d.identifiers, d.events, d.trait_writes AS "traitWrites",
            d.consent_records AS "consentRecords", d.merges, d.suppressed, d.subscriptions,
            d.contact_suppressed AS "contactSuppressed",
            (SELECT COALESCE(sum(s.dropped_events), 0) FROM id_suppressions s WHERE s.deletion_id = d.id) AS "droppedEvents"
     FROM id_deletions d WHERE d.id < $1 ORDER BY d.id DESC LIMIT $2`,
    [before, query.limit + 1],
  );
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  return {
    data: page.map(({ id: _id, droppedEvents, ...record }) => ({ ...record, droppedEvents: Number(droppedEvents) })),
    nextCursor: more ? encodeCursor(Number(page.at(-1)!.id)) : null,
  };
}

/** Suppression entries that dropped something, most recent drop first. */
export async function listSuppressionStats(db: Queryable, query: PageQuery): Promise<Page<SuppressionStat>> {
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const { rows } = await db.query<{ hash: Buffer; dropped: string; lastDroppedAt: string; lastDroppedSeq: string }>(
    `SELECT hash, dropped_events AS dropped, last_dropped_at AS "lastDroppedAt", last_dropped_seq AS "lastDroppedSeq"
     FROM id_suppressions WHERE last_dropped_seq IS NOT NULL AND last_dropped_seq < $1
     ORDER BY last_dropped_seq DESC LIMIT $2`,
    [before, query.limit + 1],
  );
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  return {
    data: page.map((row) => ({
      hashPrefix: row.hash.toString('hex').slice(0, SUPPRESSED_DETAIL_HEX_CHARS),
      droppedEvents: Number(row.dropped),
      lastDroppedAt: row.lastDroppedAt,
    })),
    nextCursor: more ? encodeCursor(Number(page.at(-1)!.lastDroppedSeq)) : null,
  };
}
