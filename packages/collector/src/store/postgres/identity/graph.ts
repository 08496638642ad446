/**
 * The identity graph in PostgreSQL: the reads every identity operation shares
 * (refs to fragments, components, the snapshot the pure plan decides on) and
 * the locking that makes those reads stay true until the transaction commits.
 */
import type { IdentityConfig } from '../../../identity/config.js';
import { type Identifier, identifierKey } from '../../../identity/identifiers.js';
import type { IdentitySnapshot, KnownIdentifier, ProfileSnapshot } from '../../../identity/plan.js';
import { parseIdentifierRef } from '../../../identity/profile-ref.js';
import { newPublicId, suppressionHash } from '../../identity-keys.js';
import type { ProfileRef } from '../../store.js';
import { lockRoots } from '../locks.js';
import type { Queryable } from '../pool.js';

export interface FragmentRow {
  id: number;
  public_id: string;
  created_seq: number;
  created_at: string;
  merged_into: number | null;
  canonical_id: number;
  holding_for: string | null;
}

/** One transaction's view: its connection and the profile locks it already holds. */
export interface IdentityTx {
  db: Queryable;
  config: IdentityConfig;
  /** Root fragments whose profile lock this transaction holds (released at COMMIT/ROLLBACK). */
  lockedRoots: Set<number>;
  /**
   * Public ids of the fragments this transaction created: a new profile's id is answered without reading
   * it back. Ids come from a sequence and are never reused, so an entry left by a rolled-back savepoint
   * names nothing and is never asked for.
   */
  createdPublicIds: Map<number, string>;
}

export function identityTx(db: Queryable, config: IdentityConfig): IdentityTx {
  return { db, config, lockedRoots: new Set(), createdPublicIds: new Map() };
}

/** Creates a fragment that is its own canonical profile; answers its id. */
export async function createFragment(
  tx: IdentityTx,
  createdSeq: number,
  at: string,
  holdingFor: string | null = null,
): Promise<number> {
  const publicId = newPublicId('p');
  const { rows } = await tx.db.query<{ id: number }>({
    name: 'create_fragment',
    text: `INSERT INTO id_fragments (id, public_id, created_seq, created_at, merged_into, canonical_id, holding_for)
           SELECT n.id, $1, $2, $3, NULL, n.id, $4 FROM (SELECT nextval('id_fragment_ids') AS id) n RETURNING id`,
    values: [publicId, createdSeq, at, holdingFor],
  });
  const id = rows[0]!.id;
  tx.createdPublicIds.set(id, publicId);
  return id;
}

export async function fragment(db: Queryable, id: number): Promise<FragmentRow | undefined> {
  const { rows } = await db.query<FragmentRow>({
    name: 'fragment_by_id',
    text: 'SELECT * FROM id_fragments WHERE id = $1',
    values: [id],
  });
  return rows[0];
}

/**
 * The fragment a ref names: a profile id (current or merged-away) names its own
 * fragment; an identifier names the fragment that owns it.
 */
export async function fragmentOfRef(
  db: Queryable,
  config: IdentityConfig,
  ref: ProfileRef,
): Promise<FragmentRow | undefined> {
  if ('id' in ref) {
    const { rows } = await db.query<FragmentRow>('SELECT * FROM id_fragments WHERE public_id = $1', [ref.id]);
    return rows[0];
  }
  const parsed = parseIdentifierRef(ref.type, ref.value, config);
  if (!('identifier' in parsed)) return undefined;
  const { rows } = await db.query<FragmentRow>(
    `SELECT f.* FROM id_identifiers i JOIN id_fragments f ON f.id = i.fragment_id WHERE i.type = $1 AND i.value = $2`,
    [parsed.identifier.type, parsed.identifier.value],
  );
  return rows[0];
}

/** The canonical (root) fragment behind a ref. */
export async function rootOfRef(
  db: Queryable,
  config: IdentityConfig,
  ref: ProfileRef,
): Promise<FragmentRow | undefined> {
  const found = await fragmentOfRef(db, config, ref);
  return found && (found.canonical_id === found.id ? found : fragment(db, found.canonical_id));
}

/**
 * The root behind a ref, with its profile lock held: locks what it read, reads
 * again, until the root read is the root locked (a merge may have moved the
 * ref under another root in between). Undefined when the ref matches nothing.
 */
export async function lockedRootOfRef(tx: IdentityTx, ref: ProfileRef): Promise<FragmentRow | undefined> {
  for (;;) {
    const root = await rootOfRef(tx.db, tx.config, ref);
    if (!root || tx.lockedRoots.has(root.id)) return root;
    await lockRoots(tx.db, [root.id]);
    tx.lockedRoots.add(root.id);
  }
}

/** Fragment ids of the merged profile whose root is `rootId`. */
export async function componentOf(db: Queryable, rootId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>({
    name: 'component_of',
    text: 'SELECT id FROM id_fragments WHERE canonical_id = $1 ORDER BY id',
    values: [rootId],
  });
  return rows.map((row) => row.id);
}

interface KnownRow {
  type: string | null;
  value: string | null;
  fragment_id: number;
  canonical_id: number;
  contested: boolean;
  suppressed: Buffer | null;
}

interface Known {
  identifiers: Map<string, KnownIdentifier>;
  /** Hex suppression hashes of the identifiers that are on the suppression list. */
  suppressed: Set<string>;
}

/** The known identifiers, and which are suppressed, in one statement (one snapshot). */
async function loadKnown(db: Queryable, identifiers: readonly Identifier[]): Promise<Known> {
  const known: Known = { identifiers: new Map(), suppressed: new Set() };
  if (identifiers.length === 0) return known;
  const { rows } = await db.query<KnownRow>({
    name: 'known_identifiers',
    text: `SELECT i.type, i.value, i.fragment_id, f.canonical_id, i.contested, NULL::bytea AS suppressed
           FROM unnest($1::text[], $2::text[]) AS q(type, value)
           JOIN id_identifiers i ON i.type = q.type AND i.value = q.value
           JOIN id_fragments f ON f.id = i.fragment_id
           UNION ALL
           SELECT NULL, NULL, NULL, NULL, NULL, s.hash FROM id_suppressions s WHERE s.hash = ANY($3::bytea[])`,
    values: [identifiers.map((i) => i.type), identifiers.map((i) => i.value), identifiers.map(suppressionHash)],
  });
  for (const row of rows) {
    if (row.suppressed) {
      known.suppressed.add(row.suppressed.toString('hex'));
      continue;
    }
    known.identifiers.set(identifierKey({ type: row.type!, value: row.value! }), {
      fragmentId: row.fragment_id,
      profileId: row.canonical_id,
      contested: row.contested,
    });
  }
  return known;
}

async function loadProfiles(db: Queryable, rootIds: number[]): Promise<Map<number, ProfileSnapshot>> {
  const profiles = new Map<number, ProfileSnapshot>();
  if (rootIds.length === 0) return profiles;
  const { rows } = await db.query<{
    id: number;
    created_seq: number;
    fragment_count: number;
    counts: Record<string, number> | null;
  }>({
    name: 'profile_snapshots',
    text: `SELECT f.id, f.created_seq,
             (SELECT count(*) FROM id_fragments c WHERE c.canonical_id = f.id) AS fragment_count,
             (SELECT json_object_agg(t.type, t.n) FROM (SELECT i.type, count(*) AS n FROM id_fragments c
                JOIN id_identifiers i ON i.fragment_id = c.id WHERE c.canonical_id = f.id GROUP BY i.type) t) AS counts
           FROM id_fragments f WHERE f.id = ANY($1::bigint[])`,
    values: [rootIds],
  });
  for (const row of rows) {
    profiles.set(row.id, { createdSeq: row.created_seq, fragmentCount: row.fragment_count, counts: row.counts ?? {} });
  }
  return profiles;
}

/**
 * What the pure plan needs about these identifiers, read under the profile
 * locks of every profile they belong to, and which of them are suppressed.
 * The caller holds the identifiers' own locks, so which of them are known
 * cannot change; which profile a known one belongs to can (a merge elsewhere,
 * an unmerge, an erasure), hence the loop. The suppression list is read in the
 * same statement as the final snapshot: an erasure that committed while this
 * waited for its profile lock removed the identifiers and suppressed them in
 * one transaction, so both are seen together.
 */
export async function loadLockedSnapshot(
  tx: IdentityTx,
  identifiers: readonly Identifier[],
): Promise<{ snapshot: IdentitySnapshot; suppressed: Set<string> }> {
  let known = await loadKnown(tx.db, identifiers);
  for (;;) {
    const roots = new Set([...known.identifiers.values()].map((k) => k.profileId));
    const unlocked = [...roots].filter((root) => !tx.lockedRoots.has(root));
    if (unlocked.length === 0) {
      // The plan asks about profiles only when the event may join or count against one:
      // the returning visitor (everything known, one profile) loads none.
      const needsProfiles = roots.size > 1 || (roots.size === 1 && known.identifiers.size < identifiers.length);
      const profiles = needsProfiles ? await loadProfiles(tx.db, [...roots]) : new Map<number, ProfileSnapshot>();
      return { snapshot: { identifiers: known.identifiers, profiles }, suppressed: known.suppressed };
    }
    await lockRoots(tx.db, unlocked);
    for (const root of unlocked) tx.lockedRoots.add(root);
    known = await loadKnown(tx.db, identifiers);
  }
}

/** Links the root `loser` under the root `survivor`: the loser's whole tree now resolves to the survivor. */
export async function linkRoots(db: Queryable, loser: number, survivor: number): Promise<void> {
  await db.query({
    name: 'link_roots',
    text: `UPDATE id_fragments SET merged_into = CASE WHEN id = $1 THEN $2 ELSE merged_into END, canonical_id = $2
           WHERE canonical_id = $1`,
    values: [loser, survivor],
  });
}

export async function insertMerge(
  db: Queryable,
  merge: {
    loser: number;
    survivor: number;
    messageId: string | null;
    reason: string;
    refusedCode: string | null;
    active: boolean;
    at: string;
  },
): Promise<void> {
  await db.query({
    name: 'insert_merge',
    text: `INSERT INTO id_merges (loser, survivor, trigger_message_id, reason, refused_code, active, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    values: [merge.loser, merge.survivor, merge.messageId, merge.reason, merge.refusedCode, merge.active, merge.at],
  });
}
