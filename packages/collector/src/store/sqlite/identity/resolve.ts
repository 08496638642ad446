/**
 * Resolving one event (policy section 3, steps 3 to 9) inside the event's
 * savepoint: suppression, extraction, the pure plan, then applying the plan
 * and the event's trait and consent writes. Dedupe (step 1) and the clock
 * (step 2) were done by the ingest path before this runs.
 */
import type { EventWarning } from '@exhaust/schema';
import { extractIdentifiers, identifierKey } from '../../../identity/identifiers.js';
import { planResolution, type ResolutionPlan } from '../../../identity/plan.js';
import { suppressionHash } from '../../identity-keys.js';
import type { PreparedEvent } from '../../prepared-event.js';
import { createFragment, fragment, type IdentityContext, linkRoots, loadSnapshot } from './graph.js';

/**
 * How many hex characters of the suppression hash a `suppressed` warning shows
 * instead of the value; the suppression stats name entries by the same prefix.
 */
export const SUPPRESSED_DETAIL_HEX_CHARS = 16;

export interface IdentityResolution {
  /** Fragment the event row is attributed to; null when unattached (orphan). */
  fragmentId: number | null;
  /** Canonical profile of that fragment, answered in the ingest outcome. */
  profileId: string | null;
  /** Canonical (root) fragment of that profile, for the stores that key state by it; null when unattached. */
  rootId: number | null;
  /** Roots this event merged away (into `rootId`). */
  mergedRoots: number[];
  /** True drops the event whole (outcome `suppressed`): no event row is written. */
  suppressed: boolean;
  warnings: EventWarning[];
}

export function resolveEvent(ctx: IdentityContext, event: PreparedEvent, seq: number): IdentityResolution {
  const { sql, config } = ctx;
  const isKnownUserId = (value: string) => sql.identifierOwner.get('userId', value) !== undefined;
  // Extracted by the caller unless it is an alias (its previousId's type needs the database).
  const extracted = event.identity ?? extractIdentifiers(event.aliasMessage!, config, isKnownUserId);
  const warnings = [...extracted.warnings];

  ctx.group.anySuppression ??= sql.anySuppression.get() !== undefined;
  if (ctx.group.anySuppression) {
    for (const identifier of extracted.identifiers) {
      const hash = suppressionHash(identifier);
      if (sql.suppression.run(event.receivedAt, seq, hash).changes > 0) {
        // NOTE: the detail names the hash, not the value: writing an erased person's
        // identifier back into the warnings table would undo part of the erasure.
        const detail = `${identifier.type}:sha256:${hash.toString('hex').slice(0, SUPPRESSED_DETAIL_HEX_CHARS)}`;
        warnings.push({ code: 'suppressed', detail });
        return { fragmentId: null, profileId: null, rootId: null, mergedRoots: [], suppressed: true, warnings };
      }
    }
  }

  const snapshot = loadSnapshot(ctx, extracted.identifiers);
  const plan = planResolution(extracted.identifiers, snapshot, config);
  warnings.push(...plan.warnings);
  const fragmentId = applyPlan(ctx, plan, event, seq);
  if (fragmentId === null) {
    return { fragmentId, profileId: null, rootId: null, mergedRoots: [], suppressed: false, warnings };
  }

  writeTraitsAndConsent(ctx, fragmentId, event, seq);
  // An attached event's root is the plan's (post-merge) root; a new profile is its own root; a
  // holding profile is its own root unless an operator force-merged it into someone.
  const rootId =
    plan.kind === 'attach' ? (plan.profileId ?? fragmentId) : (ctx.sql.canonicalOf.pluck().get(fragmentId) as number);
  recordRefusals(ctx, plan, rootId, event);
  let profileId = ctx.group.publicIds.get(rootId);
  if (profileId === undefined) {
    profileId = ctx.sql.publicId.pluck().get(rootId) as string;
    ctx.group.publicIds.set(rootId, profileId);
  }
  const mergedRoots = plan.kind === 'attach' ? plan.merges.map((merge) => merge.loser) : [];
  return { fragmentId, profileId, rootId, mergedRoots, suppressed: false, warnings };
}

/** Applies the plan; answers the fragment the event is attributed to. */
function applyPlan(ctx: IdentityContext, plan: ResolutionPlan, event: PreparedEvent, seq: number): number | null {
  const { sql } = ctx;
  for (const identifier of plan.contest) sql.contest.run(identifier.type, identifier.value);
  switch (plan.kind) {
    case 'orphan':
      return null;
    case 'holding': {
      const key = identifierKey(plan.holdingFor);
      const existing = sql.fragmentByHolding.get(key) as { id: number } | undefined;
      return existing?.id ?? createFragment(ctx, seq, event.receivedAt, key);
    }
    case 'attach': {
      const target = plan.fragmentId ?? createFragment(ctx, seq, event.receivedAt);
      for (const { loser, survivor } of plan.merges) {
        linkRoots(ctx, loser, survivor);
        sql.insertMerge.run(loser, survivor, event.messageId, 'event', null, 1, event.receivedAt);
      }
      for (const identifier of plan.claim) {
        sql.insertIdentifier.run(identifier.type, identifier.value, target, event.timestamp, seq);
      }
      return target;
    }
  }
}

/** Refused links go into the merge history too, so an operator sees why two profiles stayed apart. */
function recordRefusals(ctx: IdentityContext, plan: ResolutionPlan, rootId: number, event: PreparedEvent): void {
  for (const refusal of plan.refusals) {
    const other = fragment(ctx, refusal.profileId);
    if (!other || other.canonical_id === rootId) continue;
    ctx.sql.insertMerge.run(other.id, rootId, event.messageId, 'event', refusal.code, 0, event.receivedAt);
  }
}

function writeTraitsAndConsent(ctx: IdentityContext, fragmentId: number, event: PreparedEvent, seq: number): void {
  // The ingest path always sets a valid timestamp; receivedAt guards a store fed by other callers.
  const parsed = Date.parse(event.timestamp);
  const tsMs = Number.isFinite(parsed) ? parsed : Date.parse(event.receivedAt);
  for (const { key, value } of event.traitWrites) {
    ctx.sql.insertTraitWrite.run(fragmentId, key, value, tsMs, seq, event.messageId);
  }
  for (const { category, granted } of event.consent) {
    ctx.sql.insertConsent.run(fragmentId, category, granted ? 1 : 0, tsMs, seq, event.messageId);
  }
}
