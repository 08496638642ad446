/**
 * Finding profiles for the console: by a ref (profile id or `type:value`), by
 * an identifier's value or by a trait's value, whole or as a prefix; and a
 * profile's consent history. Identifier and trait values have no index for a
 * prefix match, so the candidate rows are capped.
 */
import type { ConsentRecord, Profile } from '@exhaust/schema';
import { toProfileRef } from '../../../identity/profile-ref.js';
import type { ProfileRef } from '../../store.js';
import { componentOf, fragment, type IdentityContext, rootOfRef } from './graph.js';
import { readProfile } from './profiles.js';

/** Rows of identifiers (and of trait writes) a search looks at, at most: it answers a person, not a report. */
export const MAX_SEARCH_CANDIDATE_ROWS = 500;

const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function searchProfiles(ctx: IdentityContext, query: string, limit: number): Profile[] {
  const text = query.trim();
  if (text === '') return [];
  const roots = new Map<number, true>();
  const byRef = rootOfRef(ctx, toProfileRef(text));
  if (byRef) roots.set(byRef.id, true);
  const { db } = ctx;
  const fragmentIds = [
    ...(db
      .prepare(`SELECT fragment_id FROM id_identifiers WHERE value LIKE ? ESCAPE '\\' LIMIT ?`)
      .pluck()
      .all(likePrefix(text), MAX_SEARCH_CANDIDATE_ROWS) as number[]),
    // Trait values are stored as JSON: a string one starts with a quote; a number or boolean is its text.
    ...(db
      .prepare(`SELECT fragment_id FROM id_trait_writes WHERE value LIKE ? ESCAPE '\\' OR value = ? LIMIT ?`)
      .pluck()
      .all(`"${likePrefix(text)}`, text, MAX_SEARCH_CANDIDATE_ROWS) as number[]),
  ];
  for (const id of fragmentIds) {
    const found = fragment(ctx, id);
    if (found) roots.set(found.canonical_id, true);
  }
  return [...roots.keys()]
    .sort((a, b) => b - a)
    .slice(0, limit)
    .map((id) => fragment(ctx, id))
    .filter((row) => row !== undefined)
    .map((row) => readProfile(ctx, row));
}

export function listConsentHistory(ctx: IdentityContext, ref: ProfileRef): ConsentRecord[] | null {
  const root = rootOfRef(ctx, ref);
  if (!root) return null;
  const rows = ctx.db
    .prepare(
      `SELECT category, granted, ts_ms AS tsMs, message_id AS messageId FROM id_consent_records
       WHERE fragment_id IN (SELECT value FROM json_each(?)) ORDER BY ts_ms, seq, id`,
    )
    .all(JSON.stringify(componentOf(ctx, root.id))) as {
    category: string;
    granted: number;
    tsMs: number;
    messageId: string;
  }[];
  return rows.map((row) => ({
    category: row.category,
    granted: row.granted === 1,
    at: new Date(row.tsMs).toISOString(),
    messageId: row.messageId,
  }));
}
