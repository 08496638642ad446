/**
 * Row shapes both stores read back the same way, and their one mapping to the
 * wire types: the SQL differs per engine, the meaning of a row does not.
 */
import type { ProfileIdentifier, RecentRejection } from '@exhaust/schema';
import { type IdentityConfig, priorityOf } from '../identity/config.js';

/** A row of `ingestion_rejections` (path is a JSON array as text). */
export interface RejectionRow {
  source: string;
  message_id: string | null;
  code: RecentRejection['code'];
  path: string;
  message: string;
  at: string;
}

export const toRecentRejection = (row: RejectionRow): RecentRejection => ({
  source: row.source,
  messageId: row.message_id,
  code: row.code,
  path: JSON.parse(row.path),
  message: row.message,
  at: row.at,
});

/** A row of `id_identifiers` (SQLite keeps `contested` as 0/1, PostgreSQL as a boolean). */
export interface IdentifierRow {
  type: string;
  value: string;
  first_seen: string;
  contested: number | boolean;
  first_seen_seq: number;
}

/** A profile's identifiers as the API lists them: by type priority, then first seen, then value. */
export function toProfileIdentifiers(config: IdentityConfig, rows: IdentifierRow[]): ProfileIdentifier[] {
  return [...rows]
    .sort(
      (a, b) =>
        priorityOf(config, a.type) - priorityOf(config, b.type) ||
        a.first_seen_seq - b.first_seen_seq ||
        (a.value < b.value ? -1 : 1),
    )
    .map((row) => ({
      type: row.type,
      value: row.value,
      firstSeen: row.first_seen,
      contested: row.contested === true || row.contested === 1,
    }));
}
