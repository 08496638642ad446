/**
 * Finding profiles for the console in PostgreSQL (the SQLite store's
 * search.ts, same answers): by a ref, by an identifier's value or by a
 * trait's value, whole or as a case-insensitive prefix; and a profile's
 * consent history. Prefix matches have no index: the candidate rows are capped.
 */
import type { ConsentRecord, Profile } from '@exhaust/schema';
import type { IdentityConfig } from '../../../identity/config.js';
import { toProfileRef } from '../../../identity/profile-ref.js';
import { MAX_SEARCH_CANDIDATE_ROWS } from '../../sqlite/identity/search.js';
import type { ProfileRef } from '../../store.js';
import type { Queryable } from '../pool.js';
import { componentOf, type FragmentRow, rootOfRef } from './graph.js';
import { readProfile } from './profiles.js';

const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchProfiles(
  db: Queryable,
  config: IdentityConfig,
  query: string,
  limit: number,
): Promise<Profile[]> {
  const text = query.trim();
  if (text === '') return [];
  const roots = new Set<number>();
  const byRef = await rootOfRef(db, config, toProfileRef(text));
  if (byRef) roots.add(Number(byRef.id));
  const { rows } = await db.query<{ root: string }>(
    `SELECT f.canonical_id AS root FROM (
       (SELECT fragment_id FROM id_identifiers WHERE value ILIKE $1 LIMIT $3)
       UNION ALL
       -- Trait values are stored as JSON: a string one starts with a quote; a number or boolean is its text.
       (SELECT fragment_id FROM id_trait_writes WHERE value ILIKE $2 OR value = $4 LIMIT $3)
     ) c JOIN id_fragments f ON f.id = c.fragment_id`,
    [likePrefix(text), `"${likePrefix(text)}`, MAX_SEARCH_CANDIDATE_ROWS, text],
  );
  for (const row of rows) roots.add(Number(row.root));
  const ids = [...roots].sort((a, b) => b - a).slice(0, limit);
  const found = (await db.query<FragmentRow>('SELECT * FROM id_fragments WHERE id = ANY($1::bigint[])', [ids])).rows;
  const byId = new Map(found.map((row) => [Number(row.id), row]));
  const profiles: Profile[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row) profiles.push(await readProfile(db, config, row));
  }
  return profiles;
}

export async function listConsentHistory(
  db: Queryable,
  config: IdentityConfig,
  ref: ProfileRef,
): Promise<ConsentRecord[] | null> {
  const root = await rootOfRef(db, config, ref);
  if (!root) return null;
  const { rows } = await db.query<{ category: string; granted: boolean; tsMs: string; messageId: string }>(
    `SELECT category, granted, ts_ms AS "tsMs", message_id AS "messageId" FROM id_consent_records
     WHERE fragment_id = ANY($1::bigint[]) ORDER BY ts_ms, seq, id`,
    [await componentOf(db, root.id)],
  );
  return rows.map((row) => ({
    category: row.category,
    granted: row.granted,
    at: new Date(Number(row.tsMs)).toISOString(),
    messageId: row.messageId,
  }));
}
