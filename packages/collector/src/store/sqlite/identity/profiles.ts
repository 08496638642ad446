/**
 * Reading profiles: a profile is the union of its fragments (identifiers,
 * trait writes, consent records, events), materialized on read with the pure
 * resolvers, so the answer does not depend on which fragment survived.
 */
import type { MergeReason, MergeRecord, Page, Profile, WarningCode } from '@exhaust/schema';
import { resolveConsent } from '../../../identity/consent.js';
import { resolveTraits } from '../../../identity/traits.js';
import { decodeCursor, encodeCursor } from '../../cursor.js';
import { type IdentifierRow, toProfileIdentifiers } from '../../rows.js';
import type { PageQuery } from '../../store.js';
import { componentOf, type FragmentRow, type IdentityContext } from './graph.js';

const IN_FRAGMENTS = 'IN (SELECT value FROM json_each(?))';

export function readProfile(ctx: IdentityContext, root: FragmentRow): Profile {
  const { db, config } = ctx;
  const fragments = JSON.stringify(componentOf(ctx, root.id));
  const identifierRows = db
    .prepare(
      `SELECT type, value, first_seen, contested, first_seen_seq FROM id_identifiers WHERE fragment_id ${IN_FRAGMENTS}`,
    )
    .all(fragments) as IdentifierRow[];
  const identifiers = toProfileIdentifiers(config, identifierRows);
  const traitRows = db
    .prepare(`SELECT key, value, ts_ms AS tsMs, seq FROM id_trait_writes WHERE fragment_id ${IN_FRAGMENTS}`)
    .all(fragments) as { key: string; value: string; tsMs: number; seq: number }[];
  const { traits, traitTimestamps } = resolveTraits(traitRows.map((row) => ({ ...row, value: JSON.parse(row.value) })));
  const consentRows = db
    .prepare(`SELECT category, granted, ts_ms AS tsMs, seq FROM id_consent_records WHERE fragment_id ${IN_FRAGMENTS}`)
    .all(fragments) as { category: string; granted: number; tsMs: number; seq: number }[];
  const consent = resolveConsent(consentRows.map((row) => ({ ...row, granted: row.granted === 1 })));
  const stats = db
    .prepare(`SELECT COUNT(*) AS n, MIN(ts) AS first, MAX(ts) AS last FROM events WHERE fragment_id ${IN_FRAGMENTS}`)
    .get(fragments) as { n: number; first: string | null; last: string | null };
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
export function listProfiles(ctx: IdentityContext, query: PageQuery): Page<Profile> {
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const roots = ctx.db
    .prepare('SELECT * FROM id_fragments WHERE canonical_id = id AND id < ? ORDER BY id DESC LIMIT ?')
    .all(before, query.limit + 1) as FragmentRow[];
  const more = roots.length > query.limit;
  const page = more ? roots.slice(0, query.limit) : roots;
  return {
    data: page.map((root) => readProfile(ctx, root)),
    nextCursor: more && page.length > 0 ? encodeCursor(page.at(-1)!.id) : null,
  };
}

/** Merges, refusals and unmerges that touched any fragment of the profile, oldest first. */
export function listMergeHistory(ctx: IdentityContext, root: FragmentRow): MergeRecord[] {
  const fragments = JSON.stringify(componentOf(ctx, root.id));
  const rows = ctx.db
    .prepare(
      `SELECT s.public_id AS survivor, l.public_id AS merged, m.trigger_message_id AS messageId, m.reason AS reason,
              m.active AS active, m.at AS at, m.refused_code AS refused
       FROM id_merges m JOIN id_fragments l ON l.id = m.loser JOIN id_fragments s ON s.id = m.survivor
       WHERE m.loser ${IN_FRAGMENTS} OR m.survivor ${IN_FRAGMENTS} ORDER BY m.id`,
    )
    .all(fragments, fragments) as {
    survivor: string;
    merged: string;
    messageId: string | null;
    reason: MergeReason;
    active: number;
    at: string;
    refused: WarningCode | null;
  }[];
  return rows.map((row) => ({ ...row, active: row.active === 1 }));
}
