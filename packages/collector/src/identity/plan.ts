/**
 * The resolution decision of policy section 3, steps 5 to 9, as a pure
 * function over a snapshot of the graph. A store loads the snapshot for the
 * event's identifiers, calls {@link planResolution} and applies the plan inside
 * the event's transaction, so every store makes exactly the same decisions.
 */
import type { EventWarning, WarningCode } from '@exhaust/schema';
import { type IdentityConfig, limitOf } from './config.js';
import { type Identifier, identifierKey } from './identifiers.js';

/** What the store knows about one identifier of the event. */
export interface KnownIdentifier {
  /** The fragment that first claimed it. */
  fragmentId: number;
  /** The canonical profile (root fragment) that fragment belongs to now. */
  profileId: number;
  contested: boolean;
}

/** What the store knows about one canonical profile that an identifier of the event belongs to. */
export interface ProfileSnapshot {
  /** Creation order: the earliest-created profile survives a merge. */
  createdSeq: number;
  /** Fragments in the merged profile (1 when it was never merged). */
  fragmentCount: number;
  /** Identifiers held by the whole merged profile, per type. */
  counts: Readonly<Record<string, number>>;
}

export interface IdentitySnapshot {
  /** Known identifiers of the event, by `type:value`. Unknown ones are absent. */
  identifiers: ReadonlyMap<string, KnownIdentifier>;
  /**
   * Every canonical profile named in `identifiers`. Asked only when a decision
   * needs it, so a store may load lazily: the common returning-visitor event
   * (everything known, one profile) never asks.
   */
  profiles: { get(profileId: number): ProfileSnapshot | undefined };
}

/** A link to another profile that the walk refused, for the merge history. */
export interface PlannedRefusal {
  /** The canonical profile the event would have joined. */
  profileId: number;
  code: WarningCode;
  identifier: Identifier;
}

export interface PlannedMerge {
  loser: number;
  survivor: number;
}

/**
 * What to do with the event:
 * - `attach`: attribute it to `fragmentId` (null: a new profile), which claims
 *   `claim`; apply `merges` (canonical profiles, losers into the survivor);
 * - `holding`: attribute it to the holding profile of `holdingFor`;
 * - `orphan`: store it unattached.
 * `contest` lists identifiers to flag contested in every case; `refusals` the
 * links to other profiles that were refused.
 */
export type ResolutionPlan = (
  | {
      kind: 'attach';
      fragmentId: number | null;
      /** Canonical profile after the merges (null: the new profile). */
      profileId: number | null;
      claim: Identifier[];
      merges: PlannedMerge[];
    }
  | { kind: 'holding'; holdingFor: Identifier }
  | { kind: 'orphan' }
) & { contest: Identifier[]; refusals: PlannedRefusal[]; warnings: EventWarning[] };

/**
 * Decides how an event's identifiers (already normalized, unblocked and in
 * walk order) link, given what is known about them.
 *
 * @example
 * planResolution([{ type: 'anonymousId', value: 'a-1' }], { identifiers: new Map(), profiles: new Map() }, config);
 * // { kind: 'attach', fragmentId: null, claim: [{ type: 'anonymousId', value: 'a-1' }], merges: [], ... }
 */
export function planResolution(
  identifiers: readonly Identifier[],
  snapshot: IdentitySnapshot,
  config: IdentityConfig,
): ResolutionPlan {
  const warnings: EventWarning[] = [];
  const contest: Identifier[] = [];
  const refusals: PlannedRefusal[] = [];
  const setAside: Identifier[] = [];
  const joined = new Set<number>();
  const claim: Identifier[] = [];
  const claimCounts: Record<string, number> = {};
  let attribution: number | null = null;

  const profileOf = (profileId: number): ProfileSnapshot => {
    const profile = snapshot.profiles.get(profileId);
    if (!profile) throw new Error(`identity snapshot lacks profile ${profileId}`);
    return profile;
  };
  // Identifiers of a type in the profile the event would join: joined profiles plus claims.
  const countOf = (type: string): number => {
    let n = claimCounts[type] ?? 0;
    for (const id of joined) n += profileOf(id).counts[type] ?? 0;
    return n;
  };

  for (const identifier of identifiers) {
    const detail = identifierKey(identifier);
    const known = snapshot.identifiers.get(detail);

    if (!known) {
      if (countOf(identifier.type) + 1 > limitOf(config, identifier.type)) {
        warnings.push({ code: 'identifier_limit_dropped', detail });
        continue;
      }
      claim.push(identifier);
      claimCounts[identifier.type] = (claimCounts[identifier.type] ?? 0) + 1;
      continue;
    }
    if (known.contested && config.contestedMode === 'quarantine') {
      setAside.push(identifier);
      warnings.push({ code: 'identifier_contested', detail });
      continue;
    }
    if (joined.has(known.profileId)) {
      attribution ??= known.fragmentId;
      continue;
    }
    if (joined.size === 0 && claim.length === 0) {
      // The first profile joined: nothing to conflict with yet.
      joined.add(known.profileId);
      attribution = known.fragmentId;
      continue;
    }
    const other = profileOf(known.profileId);
    // A limit is newly exceeded only when both sides hold that type: a profile
    // already over a limit (after a forced merge) still takes events.
    const exceeded = Object.keys(other.counts).filter((type) => {
      const mine = countOf(type);
      const theirs = other.counts[type] ?? 0;
      return mine > 0 && theirs > 0 && mine + theirs > limitOf(config, type);
    });
    let fragments = 0;
    for (const id of joined) fragments += profileOf(id).fragmentCount;
    const overCap = joined.size > 0 && fragments + other.fragmentCount - 1 > config.maxMergesPerProfile;
    if (exceeded.length === 0 && !overCap) {
      joined.add(known.profileId);
      attribution ??= known.fragmentId;
      continue;
    }

    const code = refusalCode(identifier, exceeded, config);
    if (code === 'identifier_contested') contest.push(identifier);
    warnings.push({ code, detail });
    refusals.push({ profileId: known.profileId, code, identifier });
  }

  if (joined.size === 0 && claim.length === 0) {
    const holdingFor = setAside[0];
    if (holdingFor) return { kind: 'holding', holdingFor, contest, refusals, warnings };
    warnings.push({ code: 'no_identifiers', detail: null });
    return { kind: 'orphan', contest, refusals, warnings };
  }

  const merges: PlannedMerge[] = [];
  let profileId = joined.values().next().value ?? null;
  if (joined.size > 1) {
    const byAge = [...joined].sort((a, b) => profileOf(a).createdSeq - profileOf(b).createdSeq || a - b);
    profileId = byAge[0]!;
    for (const loser of byAge.slice(1)) merges.push({ loser, survivor: profileId });
  }
  return { kind: 'attach', fragmentId: attribution, profileId, claim, merges, contest, refusals, warnings };
}

/**
 * Why joining another profile was refused: a conflict on a unique type
 * (limit 1) contests the bridging identifier (quarantine) or demotes the link
 * (first-owner), unless the bridge is itself unique (user ids are never
 * contested); a plain count limit drops the link; otherwise the merge cap.
 */
function refusalCode(identifier: Identifier, exceeded: string[], config: IdentityConfig): WarningCode {
  if (exceeded.some((type) => limitOf(config, type) === 1)) {
    if (limitOf(config, identifier.type) === 1) return 'merge_refused_unique_conflict';
    return config.contestedMode === 'quarantine' ? 'identifier_contested' : 'identifier_demoted';
  }
  return exceeded.length > 0 ? 'identifier_limit_dropped' : 'merge_limit_reached';
}
