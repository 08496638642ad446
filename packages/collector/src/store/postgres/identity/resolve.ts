/**
 * Resolving one event (policy section 3, steps 3 to 9) inside the group's
 * transaction and the request's savepoint, under the identifier locks the
 * group took and the profile locks taken here. Same decisions as SQLite: the
 * pure plan of `src/identity/plan.ts` decides, this module reads and applies.
 */
import { extractIdentifiers, identifierKey } from '../../../identity/identifiers.js';
import { planResolution, type ResolutionPlan } from '../../../identity/plan.js';
import { suppressionHash } from '../../identity-keys.js';
import type { PreparedEvent } from '../../prepared-event.js';
import { type IdentityResolution, SUPPRESSED_DETAIL_HEX_CHARS } from '../../sqlite/identity/resolve.js';
import { identifierLockKey } from '../locks.js';
import { createFragment, fragment, type IdentityTx, insertMerge, linkRoots, loadLockedSnapshot } from './graph.js';

/**
 * Every identifier lock an event may need, known before the transaction: an
 * alias's previousId is either a userId or an anonymousId (the database
 * decides), so both are locked.
 */
export function identifierLockKeysOf(event: PreparedEvent, tx: Pick<IdentityTx, 'config'>): string[] {
  if (event.identity) return event.identity.identifiers.map(identifierLockKey);
  const message = event.aliasMessage!;
  const keys = new Set<string>();
  for (const known of [true, false]) {
    for (const identifier of extractIdentifiers(message, tx.config, () => known).identifiers) {
      keys.add(identifierLockKey(identifier));
    }
  }
  return [...keys];
}

/**
 * Facts read once per group transaction: public ids of roots (a fragment's
 * public id never changes). Valid for one attempt of one group only.
 */
export interface ResolveGroup {
  publicIds: Map<number, string>;
}

export const newResolveGroup = (): ResolveGroup => ({ publicIds: new Map() });

export async function resolveEvent(
  tx: IdentityTx,
  group: ResolveGroup,
  event: PreparedEvent,
  seq: number,
): Promise<IdentityResolution> {
  const { db, config } = tx;
  let extracted = event.identity;
  if (!extracted) {
    const message = event.aliasMessage!;
    const previous = typeof message.previousId === 'string' ? message.previousId.trim() : null;
    const knownUserId =
      previous !== null &&
      (
        await db.query({
          name: 'known_user_id',
          text: "SELECT 1 FROM id_identifiers WHERE type = 'userId' AND value = $1",
          values: [previous],
        })
      ).rowCount! > 0;
    extracted = extractIdentifiers(message, config, (value) => knownUserId && value === previous);
  }
  const warnings = [...extracted.warnings];

  const { snapshot, suppressed } = await loadLockedSnapshot(tx, extracted.identifiers);
  if (suppressed.size > 0) {
    // The first suppressed identifier in priority order names the drop, as on SQLite.
    const identifier = extracted.identifiers.find((i) => suppressed.has(suppressionHash(i).toString('hex')))!;
    const hash = suppressionHash(identifier);
    await db.query({
      name: 'count_suppressed',
      text: `UPDATE id_suppressions SET dropped_events = dropped_events + 1, last_dropped_at = $2, last_dropped_seq = $3
             WHERE hash = $1`,
      values: [hash, event.receivedAt, seq],
    });
    // NOTE: the detail names the hash, not the value (see the SQLite store).
    const detail = `${identifier.type}:sha256:${hash.toString('hex').slice(0, SUPPRESSED_DETAIL_HEX_CHARS)}`;
    warnings.push({ code: 'suppressed', detail });
    return { fragmentId: null, profileId: null, rootId: null, mergedRoots: [], suppressed: true, warnings };
  }

  const plan = planResolution(extracted.identifiers, snapshot, config);
  warnings.push(...plan.warnings);
  const fragmentId = await applyPlan(tx, plan, event, seq);
  if (fragmentId === null) {
    return { fragmentId, profileId: null, rootId: null, mergedRoots: [], suppressed: false, warnings };
  }

  await writeTraitsAndConsent(tx, fragmentId, event, seq);
  // An attached event's root is the plan's (post-merge) root; a new profile is its own root; a
  // holding profile is its own root unless an operator force-merged it into someone.
  const rootId =
    plan.kind === 'attach' ? (plan.profileId ?? fragmentId) : (await fragment(db, fragmentId))!.canonical_id;
  await recordRefusals(tx, plan, rootId, event);
  let profileId = group.publicIds.get(rootId) ?? tx.createdPublicIds.get(rootId);
  if (profileId === undefined) {
    profileId = (await fragment(db, rootId))!.public_id;
    group.publicIds.set(rootId, profileId);
  }
  const mergedRoots = plan.kind === 'attach' ? plan.merges.map((merge) => merge.loser) : [];
  return { fragmentId, profileId, rootId, mergedRoots, suppressed: false, warnings };
}

/** Applies the plan; answers the fragment the event is attributed to. */
async function applyPlan(
  tx: IdentityTx,
  plan: ResolutionPlan,
  event: PreparedEvent,
  seq: number,
): Promise<number | null> {
  const { db } = tx;
  for (const identifier of plan.contest) {
    await db.query({
      name: 'contest_identifier',
      text: 'UPDATE id_identifiers SET contested = true WHERE type = $1 AND value = $2',
      values: [identifier.type, identifier.value],
    });
  }
  switch (plan.kind) {
    case 'orphan':
      return null;
    case 'holding': {
      // The holding profile is found and made under the contested identifier's lock.
      const key = identifierKey(plan.holdingFor);
      const { rows } = await db.query<{ id: number }>({
        name: 'holding_fragment',
        text: 'SELECT id FROM id_fragments WHERE holding_for = $1',
        values: [key],
      });
      return rows[0]?.id ?? createFragment(tx, seq, event.receivedAt, key);
    }
    case 'attach': {
      const target = plan.fragmentId ?? (await createFragment(tx, seq, event.receivedAt));
      for (const { loser, survivor } of plan.merges) {
        await linkRoots(db, loser, survivor);
        await insertMerge(db, {
          loser,
          survivor,
          messageId: event.messageId,
          reason: 'event',
          refusedCode: null,
          active: true,
          at: event.receivedAt,
        });
      }
      if (plan.claim.length > 0) {
        await db.query({
          name: 'claim_identifiers',
          text: `INSERT INTO id_identifiers (type, value, fragment_id, contested, first_seen, first_seen_seq)
                 SELECT type, value, $3, false, $4, $5 FROM unnest($1::text[], $2::text[]) AS c(type, value)`,
          values: [plan.claim.map((i) => i.type), plan.claim.map((i) => i.value), target, event.timestamp, seq],
        });
      }
      return target;
    }
  }
}

/** Refused links go into the merge history too, so an operator sees why two profiles stayed apart. */
async function recordRefusals(
  tx: IdentityTx,
  plan: ResolutionPlan,
  rootId: number,
  event: PreparedEvent,
): Promise<void> {
  for (const refusal of plan.refusals) {
    const other = await fragment(tx.db, refusal.profileId);
    if (!other || other.canonical_id === rootId) continue;
    await insertMerge(tx.db, {
      loser: other.id,
      survivor: rootId,
      messageId: event.messageId,
      reason: 'event',
      refusedCode: refusal.code,
      active: false,
      at: event.receivedAt,
    });
  }
}

async function writeTraitsAndConsent(
  tx: IdentityTx,
  fragmentId: number,
  event: PreparedEvent,
  seq: number,
): Promise<void> {
  const parsed = Date.parse(event.timestamp);
  const tsMs = Number.isFinite(parsed) ? parsed : Date.parse(event.receivedAt);
  if (event.traitWrites.length > 0) {
    await tx.db.query({
      name: 'insert_trait_writes',
      text: `INSERT INTO id_trait_writes (fragment_id, key, value, ts_ms, seq, message_id)
             SELECT $1, key, value, $4, $5, $6 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(key, value, n)
             ORDER BY n`,
      values: [
        fragmentId,
        event.traitWrites.map((w) => w.key),
        event.traitWrites.map((w) => w.value),
        tsMs,
        seq,
        event.messageId,
      ],
    });
  }
  if (event.consent.length > 0) {
    await tx.db.query({
      name: 'insert_consent',
      text: `INSERT INTO id_consent_records (fragment_id, category, granted, ts_ms, seq, message_id)
             SELECT $1, category, granted, $4, $5, $6
             FROM unnest($2::text[], $3::boolean[]) WITH ORDINALITY AS c(category, granted, n) ORDER BY n`,
      values: [
        fragmentId,
        event.consent.map((c) => c.category),
        event.consent.map((c) => c.granted),
        tsMs,
        seq,
        event.messageId,
      ],
    });
  }
}
