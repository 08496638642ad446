/**
 * What erasure and suppression leave to look at (issue 8, item 9): the
 * deletion records (counts only) and the drops counted per suppression entry
 * (named by a hash prefix). Neither can name a person: the tables hold no
 * identifier.
 */
import type { DeletionRecord, Page, SuppressionStat } from '@exhaust/schema';
import { decodeCursor, encodeCursor } from '../../cursor.js';
import type { PageQuery } from '../../store.js';
import type { IdentityContext } from './graph.js';
import { SUPPRESSED_DETAIL_HEX_CHARS } from './resolve.js';

interface DeletionRow extends DeletionRecord {
  id: number;
}

/** Erasures, newest first. */
export function listDeletions(ctx: IdentityContext, query: PageQuery): Page<DeletionRecord> {
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const rows = ctx.db
    .prepare(
      `SELECT d.id, d.public_id AS deletionId, d.at, d.profiles, d.identifiers, d.events, d.trait_writes AS traitWrites,
              d.consent_records AS consentRecords, d.merges, d.suppressed, d.subscriptions,
              d.contact_suppressed AS contactSuppressed,
              (SELECT COALESCE(SUM(s.dropped_events), 0) FROM id_suppressions s WHERE s.deletion_id = d.id) AS droppedEvents
       FROM id_deletions d WHERE d.id < ? ORDER BY d.id DESC LIMIT ?`,
    )
    .all(before, query.limit + 1) as DeletionRow[];
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  return {
    data: page.map(({ id: _id, ...record }) => record),
    nextCursor: more ? encodeCursor(page.at(-1)!.id) : null,
  };
}

/**
 * Adds what erasure removed beyond identity (subscription rows, contact suppressions) to the
 * deletion record, in the erasure's transaction: the log then says all that the answer said.
 */
export function recordDeletionExtras(
  ctx: IdentityContext,
  deletionId: string,
  extras: { subscriptions: number; contactSuppressed: number },
): void {
  ctx.db
    .prepare('UPDATE id_deletions SET subscriptions = ?, contact_suppressed = ? WHERE public_id = ?')
    .run(extras.subscriptions, extras.contactSuppressed, deletionId);
}

/** Suppression entries that dropped something, most recent drop first. */
export function listSuppressionStats(ctx: IdentityContext, query: PageQuery): Page<SuppressionStat> {
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const rows = ctx.db
    .prepare(
      `SELECT hex(hash) AS hash, dropped_events AS droppedEvents, last_dropped_at AS lastDroppedAt,
              last_dropped_seq AS lastDroppedSeq
       FROM id_suppressions WHERE last_dropped_seq IS NOT NULL AND last_dropped_seq < ?
       ORDER BY last_dropped_seq DESC LIMIT ?`,
    )
    .all(before, query.limit + 1) as {
    hash: string;
    droppedEvents: number;
    lastDroppedAt: string;
    lastDroppedSeq: number;
  }[];
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  return {
    data: page.map((row) => ({
      hashPrefix: row.hash.slice(0, SUPPRESSED_DETAIL_HEX_CHARS).toLowerCase(),
      droppedEvents: row.droppedEvents,
      lastDroppedAt: row.lastDroppedAt,
    })),
    nextCursor: more ? encodeCursor(page.at(-1)!.lastDroppedSeq) : null,
  };
}
