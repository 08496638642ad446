/**
 * Privileged operations (policy section 5) in PostgreSQL: forced merge,
 * unmerge and erasure. Each runs in its own transaction (opened by the store)
 * and first takes the profile locks of every profile it changes, so it never
 * interleaves with an ingest group that resolves events into those profiles.
 */
import type { DeletionResult } from '@exhaust/schema';
import { type Identifier, identifierKey } from '../../../identity/identifiers.js';
import { hashedIdentifierKey, newPublicId, suppressionHash } from '../../identity-keys.js';
import { redactIdentifiers } from '../../redact.js';
import type { EraseOptions, MergeOutcome, ProfileRef, UnmergeOutcome } from '../../store.js';
import { lockRoots } from '../locks.js';
import { eraseSubscriptions } from '../subscriptions/index.js';
import {
  componentOf,
  type FragmentRow,
  fragment,
  fragmentOfRef,
  type IdentityTx,
  insertMerge,
  linkRoots,
  lockedRootOfRef,
  rootOfRef,
} from './graph.js';

/** The roots behind both refs with both profile locks held (taken in one order, re-read until stable). */
async function lockedRootsOf(tx: IdentityTx, a: ProfileRef, b: ProfileRef): Promise<[FragmentRow, FragmentRow] | null> {
  for (;;) {
    const [x, y] = [await rootOfRef(tx.db, tx.config, a), await rootOfRef(tx.db, tx.config, b)];
    if (!x || !y) return null;
    const unlocked = [x.id, y.id].filter((id) => !tx.lockedRoots.has(id));
    if (unlocked.length === 0) return [x, y];
    await lockRoots(tx.db, unlocked);
    for (const id of unlocked) tx.lockedRoots.add(id);
  }
}

/** `into` survives whatever the ages; limits are bypassed (an operator decided). */
export async function forceMerge(tx: IdentityTx, from: ProfileRef, into: ProfileRef): Promise<MergeOutcome | null> {
  const roots = await lockedRootsOf(tx, from, into);
  if (!roots) return null;
  const [loser, survivor] = roots;
  if (loser.id === survivor.id) return { survivor: survivor.public_id, merged: null, alreadyMerged: true };
  await linkRoots(tx.db, loser.id, survivor.id);
  await insertMerge(tx.db, {
    loser: loser.id,
    survivor: survivor.id,
    messageId: null,
    reason: 'admin',
    refusedCode: null,
    active: true,
    at: new Date().toISOString(),
  });
  return { survivor: survivor.public_id, merged: loser.public_id, alreadyMerged: false };
}

/** Detaches the ref's fragment (and everything merged into it) from its parent. */
export async function unmerge(tx: IdentityTx, ref: ProfileRef): Promise<UnmergeOutcome | 'not_merged' | null> {
  let detached: FragmentRow | undefined;
  for (;;) {
    detached = await fragmentOfRef(tx.db, tx.config, ref);
    if (!detached || tx.lockedRoots.has(detached.canonical_id)) break;
    await lockRoots(tx.db, [detached.canonical_id]);
    tx.lockedRoots.add(detached.canonical_id);
  }
  if (!detached) return null;
  if (detached.merged_into === null) return 'not_merged';
  const parent = detached.merged_into;
  const root = (await fragment(tx.db, detached.canonical_id))!;
  await tx.db.query(
    `WITH RECURSIVE sub(id) AS (SELECT $1::bigint UNION ALL SELECT f.id FROM id_fragments f JOIN sub ON f.merged_into = sub.id)
     UPDATE id_fragments SET canonical_id = $1, merged_into = CASE WHEN id = $1 THEN NULL ELSE merged_into END
     WHERE id IN (SELECT id FROM sub)`,
    [detached.id],
  );
  await tx.db.query(
    'UPDATE id_merges SET active = false WHERE loser = $1 AND survivor = $2 AND active AND refused_code IS NULL',
    [detached.id, parent],
  );
  await insertMerge(tx.db, {
    loser: detached.id,
    survivor: parent,
    messageId: null,
    reason: 'unmerge',
    refusedCode: null,
    active: true,
    at: new Date().toISOString(),
  });
  // The detached fragment is a new root: it is locked by this transaction until it commits.
  tx.lockedRoots.add(detached.id);
  return { detached: detached.public_id, from: root.public_id };
}

/**
 * Erases every fragment of the merged profile (see the SQLite store for the exact scope),
 * and puts its email and phone addresses on the contact suppression list (unless
 * `suppressContact` is false); their subscription states and history go with them.
 */
export async function erase(tx: IdentityTx, ref: ProfileRef, options: EraseOptions): Promise<DeletionResult | null> {
  const root = await lockedRootOfRef(tx, ref);
  if (!root) return null;
  const { db } = tx;
  const ids = await componentOf(db, root.id);
  const identifiers = (
    await db.query<{ type: string; value: string }>(
      'SELECT type, value FROM id_identifiers WHERE fragment_id = ANY($1::bigint[])',
      [ids],
    )
  ).rows;
  await unnameHoldings(tx, identifiers, ids);
  // Warnings first: they are found through the events about to go.
  await db.query(
    `DELETE FROM ingestion_warnings w USING events e
     WHERE e.fragment_id = ANY($1::bigint[]) AND w.message_id = e.message_id AND w.source = e.source`,
    [ids],
  );
  // Other events' warnings may name an erased identifier (e.g. `identifier_contested` on a shared device).
  await db.query('DELETE FROM ingestion_warnings WHERE detail = ANY($1::text[])', [identifiers.map(identifierKey)]);
  const count = async (sql: string) => (await db.query(sql, [ids])).rowCount ?? 0;
  const events = await count('DELETE FROM events WHERE fragment_id = ANY($1::bigint[])');
  const traitWrites = await count('DELETE FROM id_trait_writes WHERE fragment_id = ANY($1::bigint[])');
  const consentRecords = await count('DELETE FROM id_consent_records WHERE fragment_id = ANY($1::bigint[])');
  const merges = await count('DELETE FROM id_merges WHERE loser = ANY($1::bigint[]) OR survivor = ANY($1::bigint[])');
  const erasedIdentifiers = await count('DELETE FROM id_identifiers WHERE fragment_id = ANY($1::bigint[])');
  await count('DELETE FROM id_fragments WHERE id = ANY($1::bigint[])');

  const result: DeletionResult = {
    deletionId: newPublicId('del'),
    profiles: ids.length,
    identifiers: erasedIdentifiers,
    events,
    traitWrites,
    consentRecords,
    merges,
    suppressed: options.suppress ? identifiers.length : 0,
    subscriptions: 0,
    contactSuppressed: 0,
  };
  const addresses = identifiers
    .filter((i) => i.type === 'email' || i.type === 'phone')
    .map((i) => ({ kind: i.type as 'email' | 'phone', value: i.value }));
  Object.assign(result, await eraseSubscriptions(db, addresses, options.suppressContact ?? true, result.deletionId));
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO id_deletions (public_id, at, profiles, identifiers, events, trait_writes, consent_records, merges,
                               suppressed, subscriptions, contact_suppressed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      result.deletionId,
      new Date().toISOString(),
      result.profiles,
      result.identifiers,
      result.events,
      result.traitWrites,
      result.consentRecords,
      result.merges,
      result.suppressed,
      result.subscriptions,
      result.contactSuppressed,
    ],
  );
  if (options.suppress && identifiers.length > 0) {
    await db.query(
      `INSERT INTO id_suppressions (hash, deletion_id) SELECT h, $2 FROM unnest($1::bytea[]) AS h
       ON CONFLICT (hash) DO NOTHING`,
      [identifiers.map(suppressionHash), rows[0]!.id],
    );
  }
  return result;
}

/**
 * Holding profiles whose contested identifier is being erased (a shared device,
 * say): their events stay, since they may be another person's, but the erased
 * identifier must not stay readable (see the SQLite store's `unnameHoldings`).
 */
async function unnameHoldings(tx: IdentityTx, identifiers: Identifier[], erased: number[]): Promise<void> {
  const { db, config } = tx;
  const byKey = new Map(identifiers.map((identifier) => [identifierKey(identifier), identifier]));
  const held = (
    await db.query<{ id: string; holdingFor: string }>(
      `SELECT id, holding_for AS "holdingFor" FROM id_fragments
       WHERE holding_for = ANY($1::text[]) AND NOT (id = ANY($2::bigint[])) ORDER BY id`,
      [[...byKey.keys()], erased],
    )
  ).rows;
  if (held.length === 0) return;
  // Their events and traits change: no ingest may resolve into them meanwhile.
  const roots = (
    await db.query<{ root: string }>(
      'SELECT DISTINCT canonical_id AS root FROM id_fragments WHERE id = ANY($1::bigint[])',
      [held.map((h) => h.id)],
    )
  ).rows
    .map((row) => Number(row.root))
    .filter((id) => !tx.lockedRoots.has(id));
  await lockRoots(db, roots);
  for (const id of roots) tx.lockedRoots.add(id);
  for (const { id, holdingFor } of held) {
    const events = (
      await db.query<{ seq: string; payload: unknown }>('SELECT seq, payload FROM events WHERE fragment_id = $1', [id])
    ).rows;
    for (const row of events) {
      const redaction = redactIdentifiers(row.payload, identifiers, config);
      if (redaction.replaced > 0) {
        await db.query('UPDATE events SET payload = $1 WHERE seq = $2', [JSON.stringify(redaction.value), row.seq]);
      }
    }
    const traits = (
      await db.query<{ id: string; value: string }>('SELECT id, value FROM id_trait_writes WHERE fragment_id = $1', [
        id,
      ])
    ).rows;
    for (const row of traits) {
      const redaction = redactIdentifiers(JSON.parse(row.value), identifiers, config);
      if (redaction.replaced > 0) {
        await db.query('UPDATE id_trait_writes SET value = $1 WHERE id = $2', [
          JSON.stringify(redaction.value),
          row.id,
        ]);
      }
    }
    // holding_for is unique: an identifier erased, seen again, contested again and erased
    // again leaves a second holding profile for the same hash, told apart by a counter.
    const hashed = hashedIdentifierKey(byKey.get(holdingFor)!);
    let key = hashed;
    for (
      let n = 2;
      ((await db.query('SELECT 1 FROM id_fragments WHERE holding_for = $1', [key])).rowCount ?? 0) > 0;
      n += 1
    ) {
      key = `${hashed}:${n}`;
    }
    await db.query('UPDATE id_fragments SET holding_for = $1 WHERE id = $2', [key, id]);
  }
}
