/**
 * Privileged operations (policy section 5): forced merge, unmerge and
 * erasure. Each runs inside one immediate transaction opened by the engine and
 * leaves an audit row: a merge record, or a deletion record without personal data.
 */
import type { DeletionResult } from '@exhaust/schema';
import { type Identifier, identifierKey } from '../../../identity/identifiers.js';
import { hashedIdentifierKey, newPublicId, suppressionHash } from '../../identity-keys.js';
import { redactIdentifiers } from '../../redact.js';
import type { MergeOutcome, ProfileRef, UnmergeOutcome } from '../../store.js';
import { componentOf, fragment, fragmentOfRef, type IdentityContext, linkRoots, rootOfRef } from './graph.js';

/** What identity erased; the engine adds what the subscriptions erased. */
export type IdentityDeletion = Omit<DeletionResult, 'subscriptions' | 'contactSuppressed'>;

const IN_FRAGMENTS = 'IN (SELECT value FROM json_each(?))';

/** `into` survives whatever the ages; limits are bypassed (an operator decided). */
export function forceMerge(ctx: IdentityContext, from: ProfileRef, into: ProfileRef): MergeOutcome | null {
  const loser = rootOfRef(ctx, from);
  const survivor = rootOfRef(ctx, into);
  if (!loser || !survivor) return null;
  // Already one profile: no merge record, so a retried request leaves no trace in the history.
  if (loser.id === survivor.id) return { survivor: survivor.public_id, merged: null, alreadyMerged: true };
  linkRoots(ctx, loser.id, survivor.id);
  ctx.sql.insertMerge.run(loser.id, survivor.id, null, 'admin', null, 1, new Date().toISOString());
  return { survivor: survivor.public_id, merged: loser.public_id, alreadyMerged: false };
}

/**
 * Detaches the ref's fragment, and every fragment merged into it, from its
 * parent. The fragment's identifiers, events, trait writes and consent go with
 * it because they always belonged to it.
 */
export function unmerge(ctx: IdentityContext, ref: ProfileRef): UnmergeOutcome | 'not_merged' | null {
  const detached = fragmentOfRef(ctx, ref);
  if (!detached) return null;
  if (detached.merged_into === null) return 'not_merged';
  const parent = detached.merged_into;
  const root = fragment(ctx, detached.canonical_id)!;
  const subtree = ctx.db
    .prepare(
      `WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT f.id FROM id_fragments f JOIN sub ON f.merged_into = sub.id)
       SELECT id FROM sub`,
    )
    .pluck()
    .all(detached.id) as number[];
  ctx.sql.setParent.run(null, detached.id);
  ctx.db
    .prepare(`UPDATE id_fragments SET canonical_id = ? WHERE id ${IN_FRAGMENTS}`)
    .run(detached.id, JSON.stringify(subtree));
  ctx.db
    .prepare('UPDATE id_merges SET active = 0 WHERE loser = ? AND survivor = ? AND active = 1 AND refused_code IS NULL')
    .run(detached.id, parent);
  ctx.sql.insertMerge.run(detached.id, parent, null, 'unmerge', null, 1, new Date().toISOString());
  return { detached: detached.public_id, from: root.public_id };
}

/**
 * Erases every fragment of the merged profile: identifiers, events, warnings
 * of those events, trait writes, consent history and merge rows. Refused and
 * contested links never joined the component, so they are never crossed;
 * holding profiles are separate fragments and stay, but one held for an erased
 * identifier keeps it only hashed (see `unnameHoldings`).
 */
export function erase(ctx: IdentityContext, ref: ProfileRef, options: { suppress: boolean }): IdentityDeletion | null {
  const root = rootOfRef(ctx, ref);
  if (!root) return null;
  const { db } = ctx;
  const ids = componentOf(ctx, root.id);
  const fragments = JSON.stringify(ids);
  const identifiers = db
    .prepare(`SELECT type, value FROM id_identifiers WHERE fragment_id ${IN_FRAGMENTS}`)
    .all(fragments) as { type: string; value: string }[];
  unnameHoldings(ctx, identifiers, fragments);

  // Warnings first: they are found through the events about to go.
  const erasedEvents = db
    .prepare(`SELECT source, message_id FROM events WHERE fragment_id ${IN_FRAGMENTS}`)
    .all(fragments) as { source: string; message_id: string }[];
  const deleteWarnings = db.prepare('DELETE FROM ingestion_warnings WHERE message_id = ? AND source = ?');
  for (const { source, message_id } of erasedEvents) deleteWarnings.run(message_id, source);
  // Other events' warnings may name an erased identifier (e.g. `identifier_contested` on a shared device).
  db.prepare('DELETE FROM ingestion_warnings WHERE detail IN (SELECT value FROM json_each(?))').run(
    JSON.stringify(identifiers.map(identifierKey)),
  );
  const events = db.prepare(`DELETE FROM events WHERE fragment_id ${IN_FRAGMENTS}`).run(fragments).changes;
  const traitWrites = db
    .prepare(`DELETE FROM id_trait_writes WHERE fragment_id ${IN_FRAGMENTS}`)
    .run(fragments).changes;
  const consentRecords = db
    .prepare(`DELETE FROM id_consent_records WHERE fragment_id ${IN_FRAGMENTS}`)
    .run(fragments).changes;
  const merges = db
    .prepare(`DELETE FROM id_merges WHERE loser ${IN_FRAGMENTS} OR survivor ${IN_FRAGMENTS}`)
    .run(fragments, fragments).changes;
  const erasedIdentifiers = db
    .prepare(`DELETE FROM id_identifiers WHERE fragment_id ${IN_FRAGMENTS}`)
    .run(fragments).changes;
  db.prepare(`UPDATE id_fragments SET merged_into = NULL WHERE id ${IN_FRAGMENTS}`).run(fragments);
  db.prepare(`DELETE FROM id_fragments WHERE id ${IN_FRAGMENTS}`).run(fragments);

  const result: IdentityDeletion = {
    deletionId: newPublicId('del'),
    profiles: ids.length,
    identifiers: erasedIdentifiers,
    events,
    traitWrites,
    consentRecords,
    merges,
    suppressed: options.suppress ? identifiers.length : 0,
  };
  const deletion = db
    .prepare(
      `INSERT INTO id_deletions (public_id, at, profiles, identifiers, events, trait_writes, consent_records, merges, suppressed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      result.deletionId,
      new Date().toISOString(),
      result.profiles,
      result.identifiers,
      result.events,
      result.traitWrites,
      result.consentRecords,
      result.merges,
      result.suppressed,
    ).lastInsertRowid;
  if (options.suppress) {
    const insert = db.prepare('INSERT OR IGNORE INTO id_suppressions (hash, deletion_id) VALUES (?, ?)');
    for (const identifier of identifiers) insert.run(suppressionHash(identifier), deletion);
  }
  return result;
}

/**
 * Holding profiles whose contested identifier is being erased (a shared device,
 * say): their events stay, since they may be another person's, but the erased
 * identifier must not stay readable. `holdingFor` becomes its hashed form and
 * every occurrence of an erased identifier in their events' payloads and trait
 * writes is replaced by the hashed form too.
 */
function unnameHoldings(ctx: IdentityContext, identifiers: Identifier[], erasedFragments: string): void {
  const { db, config } = ctx;
  const byKey = new Map(identifiers.map((identifier) => [identifierKey(identifier), identifier]));
  const held = db
    .prepare(
      `SELECT id, holding_for AS holdingFor FROM id_fragments
       WHERE holding_for ${IN_FRAGMENTS} AND id NOT ${IN_FRAGMENTS}`,
    )
    .all(JSON.stringify([...byKey.keys()]), erasedFragments) as { id: number; holdingFor: string }[];
  const updatePayload = db.prepare('UPDATE events SET payload = ? WHERE seq = ?');
  const updateTrait = db.prepare('UPDATE id_trait_writes SET value = ? WHERE id = ?');
  for (const { id, holdingFor } of held) {
    for (const row of db.prepare('SELECT seq, payload FROM events WHERE fragment_id = ?').all(id) as {
      seq: number;
      payload: string;
    }[]) {
      const redaction = redactIdentifiers(JSON.parse(row.payload), identifiers, config);
      if (redaction.replaced > 0) updatePayload.run(JSON.stringify(redaction.value), row.seq);
    }
    for (const row of db.prepare('SELECT id, value FROM id_trait_writes WHERE fragment_id = ?').all(id) as {
      id: number;
      value: string;
    }[]) {
      const redaction = redactIdentifiers(JSON.parse(row.value), identifiers, config);
      if (redaction.replaced > 0) updateTrait.run(JSON.stringify(redaction.value), row.id);
    }
    // holding_for is unique: an identifier erased, seen again, contested again and erased
    // again leaves a second holding profile for the same hash, told apart by a counter.
    const hashed = hashedIdentifierKey(byKey.get(holdingFor)!);
    let key = hashed;
    for (let n = 2; ctx.sql.fragmentByHolding.get(key) !== undefined; n += 1) key = `${hashed}:${n}`;
    db.prepare('UPDATE id_fragments SET holding_for = ? WHERE id = ?').run(key, id);
  }
}
