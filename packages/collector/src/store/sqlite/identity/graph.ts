/**
 * The identity graph in SQLite: prepared statements and the small reads every
 * identity operation shares (refs to fragments, components, snapshots).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { IdentityConfig } from '../../../identity/config.js';
import { type Identifier, identifierKey } from '../../../identity/identifiers.js';
import type { IdentitySnapshot, KnownIdentifier, ProfileSnapshot } from '../../../identity/plan.js';
import { parseIdentifierRef } from '../../../identity/profile-ref.js';
import { newPublicId } from '../../identity-keys.js';
import type { ProfileRef } from '../../store.js';

export interface FragmentRow {
  id: number;
  public_id: string;
  created_seq: number;
  created_at: string;
  merged_into: number | null;
  canonical_id: number;
  holding_for: string | null;
}

export interface IdentifierRow {
  type: string;
  value: string;
  fragment_id: number;
  contested: number;
  first_seen: string;
  first_seen_seq: number;
}

const SQL = {
  fragmentById: 'SELECT * FROM id_fragments WHERE id = ?',
  fragmentByPublicId: 'SELECT * FROM id_fragments WHERE public_id = ?',
  fragmentByHolding: 'SELECT * FROM id_fragments WHERE holding_for = ?',
  insertFragment: `INSERT INTO id_fragments (public_id, created_seq, created_at, merged_into, canonical_id, holding_for)
       VALUES (?, ?, ?, NULL, 0, ?)`,
  selfCanonical: 'UPDATE id_fragments SET canonical_id = id WHERE id = ?',
  componentIds: 'SELECT id FROM id_fragments WHERE canonical_id = ? ORDER BY id',
  // One round trip for what a merge decision needs about a profile.
  profileSnapshot: `SELECT f.created_seq AS createdSeq,
       (SELECT COUNT(*) FROM id_fragments c WHERE c.canonical_id = f.id) AS fragmentCount,
       (SELECT json_group_object(type, n) FROM (SELECT i.type AS type, COUNT(*) AS n FROM id_fragments c
          JOIN id_identifiers i ON i.fragment_id = c.id WHERE c.canonical_id = f.id GROUP BY i.type)) AS counts
     FROM id_fragments f WHERE f.id = ?`,
  publicId: 'SELECT public_id FROM id_fragments WHERE id = ?',
  canonicalOf: 'SELECT canonical_id FROM id_fragments WHERE id = ?',
  identifier: `SELECT i.fragment_id AS fragmentId, f.canonical_id AS profileId, i.contested AS contested
       FROM id_identifiers i JOIN id_fragments f ON f.id = i.fragment_id WHERE i.type = ? AND i.value = ?`,
  identifierOwner: 'SELECT fragment_id FROM id_identifiers WHERE type = ? AND value = ?',
  insertIdentifier: `INSERT INTO id_identifiers (type, value, fragment_id, contested, first_seen, first_seen_seq)
       VALUES (?, ?, ?, 0, ?, ?)`,
  contest: 'UPDATE id_identifiers SET contested = 1 WHERE type = ? AND value = ?',
  setParent: 'UPDATE id_fragments SET merged_into = ? WHERE id = ?',
  recanonicalize: 'UPDATE id_fragments SET canonical_id = ? WHERE canonical_id = ?',
  insertMerge: `INSERT INTO id_merges (loser, survivor, trigger_message_id, reason, refused_code, active, at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
  insertTraitWrite:
    'INSERT INTO id_trait_writes (fragment_id, key, value, ts_ms, seq, message_id) VALUES (?, ?, ?, ?, ?, ?)',
  insertConsent:
    'INSERT INTO id_consent_records (fragment_id, category, granted, ts_ms, seq, message_id) VALUES (?, ?, ?, ?, ?, ?)',
  suppression: `UPDATE id_suppressions SET dropped_events = dropped_events + 1, last_dropped_at = ?, last_dropped_seq = ?
       WHERE hash = ?`,
  anySuppression: 'SELECT 1 FROM id_suppressions LIMIT 1',
} as const;

/** Every statement identity uses, prepared once per connection. */
export type Statements = Record<keyof typeof SQL, Statement<unknown[]>>;

function prepareAll(db: Database): Statements {
  const prepared: Partial<Statements> = {};
  for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) prepared[name] = db.prepare(SQL[name]);
  return prepared as Statements;
}

/**
 * Facts that cannot change while one group-commit transaction runs, read once
 * per group instead of once per event: only erasure adds suppressions and a
 * fragment's public id never changes, and neither happens inside ingest.
 */
export interface GroupCache {
  /** Whether the suppression list has any entry; undefined until asked. */
  anySuppression: boolean | undefined;
  publicIds: Map<number, string>;
}

/** What every identity module works with. */
export interface IdentityContext {
  db: Database;
  config: IdentityConfig;
  sql: Statements;
  /** Valid inside one ingest group only; `resetGroupCache` at each group's start. */
  group: GroupCache;
}

export function createIdentityContext(db: Database, config: IdentityConfig): IdentityContext {
  return { db, config, sql: prepareAll(db), group: { anySuppression: undefined, publicIds: new Map() } };
}

export function resetGroupCache(ctx: IdentityContext): void {
  ctx.group = { anySuppression: undefined, publicIds: new Map() };
}

/** Creates a fragment that is its own canonical profile. */
export function createFragment(
  ctx: IdentityContext,
  createdSeq: number,
  at: string,
  holdingFor: string | null = null,
): number {
  const id = Number(ctx.sql.insertFragment.run(newPublicId('p'), createdSeq, at, holdingFor).lastInsertRowid);
  ctx.sql.selfCanonical.run(id);
  return id;
}

export function fragment(ctx: IdentityContext, id: number): FragmentRow | undefined {
  return ctx.sql.fragmentById.get(id) as FragmentRow | undefined;
}

/**
 * The fragment a ref names: a profile id (current or merged-away) names its own
 * fragment; an identifier names the fragment that owns it. Undefined when
 * nothing matches (including refs that can never match, like blocked values).
 */
export function fragmentOfRef(ctx: IdentityContext, ref: ProfileRef): FragmentRow | undefined {
  if ('id' in ref) return ctx.sql.fragmentByPublicId.get(ref.id) as FragmentRow | undefined;
  const parsed = parseIdentifierRef(ref.type, ref.value, ctx.config);
  if (!('identifier' in parsed)) return undefined;
  const owner = ctx.sql.identifierOwner.get(parsed.identifier.type, parsed.identifier.value) as
    | { fragment_id: number }
    | undefined;
  return owner ? fragment(ctx, owner.fragment_id) : undefined;
}

/** The canonical (root) fragment behind a ref. */
export function rootOfRef(ctx: IdentityContext, ref: ProfileRef): FragmentRow | undefined {
  const found = fragmentOfRef(ctx, ref);
  return found && (found.canonical_id === found.id ? found : fragment(ctx, found.canonical_id));
}

/** Fragment ids of the merged profile whose root is `rootId`. */
export function componentOf(ctx: IdentityContext, rootId: number): number[] {
  return ctx.sql.componentIds.pluck().all(rootId) as number[];
}

export function profileSnapshot(ctx: IdentityContext, rootId: number): ProfileSnapshot | undefined {
  const row = ctx.sql.profileSnapshot.get(rootId) as
    | { createdSeq: number; fragmentCount: number; counts: string | null }
    | undefined;
  return (
    row && { createdSeq: row.createdSeq, fragmentCount: row.fragmentCount, counts: JSON.parse(row.counts ?? '{}') }
  );
}

/**
 * Loads what the pure decision needs about these identifiers. Profiles load
 * lazily (and once): most events never need them.
 */
export function loadSnapshot(ctx: IdentityContext, identifiers: readonly Identifier[]): IdentitySnapshot {
  const known = new Map<string, KnownIdentifier>();
  for (const identifier of identifiers) {
    const row = ctx.sql.identifier.get(identifier.type, identifier.value) as
      | { fragmentId: number; profileId: number; contested: number }
      | undefined;
    if (row) known.set(identifierKey(identifier), { ...row, contested: row.contested === 1 });
  }
  const loaded = new Map<number, ProfileSnapshot | undefined>();
  const profiles = {
    get(profileId: number) {
      if (!loaded.has(profileId)) loaded.set(profileId, profileSnapshot(ctx, profileId));
      return loaded.get(profileId);
    },
  };
  return { identifiers: known, profiles };
}

/** Links the root `loser` under the root `survivor`: the loser's whole tree now resolves to the survivor. */
export function linkRoots(ctx: IdentityContext, loser: number, survivor: number): void {
  ctx.sql.setParent.run(survivor, loser);
  ctx.sql.recanonicalize.run(survivor, loser);
}
