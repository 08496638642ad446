/**
 * Reading profiles in PostgreSQL: a profile is the union of its fragments,
 * materialized on read with the same pure resolvers as SQLite.
 */
import type { MergeReason, MergeRecord, Page, Profile, WarningCode } from '@exhaust/schema';
import type { IdentityConfig } from '../../../identity/config.js';
import { resolveConsent } from '../../../identity/consent.js';
import { resolveTraits } from '../../../identity/traits.js';
import { decodeCursor, encodeCursor } from '../../cursor.js';
import { type IdentifierRow, toProfileIdentifiers } from '../../rows.js';
import type { PageQuery } from '../../store.js';
import type { Queryable } from '../pool.js';
import { componentOf, type FragmentRow } from './graph.js';

export async function readProfile(db: Queryable, config: IdentityConfig, root: FragmentRow): Promise<Profile> {
  const fragments = await componentOf(db, root.id);
  const identifierRows = (
    await db.query<IdentifierRow>(
      `SELECT type, value, first_seen, contested, first_seen_seq FROM id_identifiers
       WHERE fragment_id = ANY($1::bigint[])`,
      [fragments],
    )
  ).rows;
  const identifiers = toProfileIdentifiers(config, identifierRows);
  const traitRows = (
    await db.query<{ key: string; value: string; tsMs: number; seq: number }>(
      `SELECT key, value, ts_ms AS "tsMs", seq FROM id_trait_writes WHERE fragment_id = ANY($1::bigint[])`,
      [fragments],
    )
  ).rows;
  const { traits, traitTimestamps } = resolveTraits(traitRows.map((row) => ({ ...row, value: JSON.parse(row.value) })));
  const consentRows = (
    await db.query<{ category: string; granted: boolean; tsMs: number; seq: number }>(
      `SELECT category, granted, ts_ms AS "tsMs", seq FROM id_consent_records WHERE fragment_id = ANY($1::bigint[])`,
      [fragments],
    )
  ).rows;
  const consent = resolveConsent(consentRows);
  const stats = (
    await db.query<{ n: number; first: string | null; last: string | null }>(
      'SELECT count(*) AS n, min(ts) AS first, max(ts) AS last FROM events WHERE fragment_id = ANY($1::bigint[])',
      [fragments],
    )
  ).rows[0]!;
  return {
    id: root.public_id,
    identifiers,
    traits,
    traitTimestamps,
    consent,
    firstSeen: stats.first ?? root.created_at,
    lastSeen: stats.last ?? root.created_at,
    eventCount: stats.n,
    holdingFor: root.holding_for,
  };
}

/** Every canonical profile (holding profiles included), newest first. */
export async function listProfiles(db: Queryable, config: IdentityConfig, query: PageQuery): Promise<Page<Profile>> {
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const roots = (
    await db.query<FragmentRow>(
      'SELECT * FROM id_fragments WHERE canonical_id = id AND id < $1 ORDER BY id DESC LIMIT $2',
      [before, query.limit + 1],
    )
  ).rows;
  const more = roots.length > query.limit;
  const page = more ? roots.slice(0, query.limit) : roots;
  const data: Profile[] = [];
  for (const root of page) data.push(await readProfile(db, config, root));
  return { data, nextCursor: more && page.length > 0 ? encodeCursor(page.at(-1)!.id) : null };
}

/** Merges, refusals and unmerges that touched any fragment of the profile, oldest first. */
export async function listMergeHistory(db: Queryable, root: FragmentRow): Promise<MergeRecord[]> {
  const fragments = await componentOf(db, root.id);
  const { rows } = await db.query<{
    survivor: string;
    merged: string;
    messageId: string | null;
    reason: MergeReason;
    active: boolean;
    at: string;
    refused: WarningCode | null;
  }>(
    `SELECT s.public_id AS survivor, l.public_id AS merged, m.trigger_message_id AS "messageId", m.reason,
            m.active, m.at, m.refused_code AS refused
     FROM id_merges m JOIN id_fragments l ON l.id = m.loser JOIN id_fragments s ON s.id = m.survivor
     WHERE m.loser = ANY($1::bigint[]) OR m.survivor = ANY($1::bigint[]) ORDER BY m.id`,
    [fragments],
  );
  return rows;
}
