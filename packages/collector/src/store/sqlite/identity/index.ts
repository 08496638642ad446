/**
 * Identity resolution inside the SQLite store (issue 3). The engine calls
 * `resolve` inside each event's savepoint, after dedupe and before the event
 * row is written, so stitching commits atomically with the event.
 *
 * NOTE: this is the placeholder that attaches nothing; helper B owns this
 * folder and replaces it with the real policy ("default-v1").
 */
import type { DeletionResult, EventWarning, MergeRecord, Page, Profile } from '@exhaust/schema';
import type { Database } from 'better-sqlite3';
import type { IdentityConfig } from '../../../identity/config.js';
import type { IncomingEvent, MergeOutcome, PageQuery, ProfileRef, UnmergeOutcome } from '../../store.js';

/** What resolving one event decided. */
export interface IdentityResolution {
  /** Fragment the event row is attributed to; null when unattached (orphan). */
  fragmentId: number | null;
  /** Canonical profile of that fragment, answered in the ingest outcome. */
  profileId: string | null;
  /** True drops the event whole (outcome `suppressed`): no event row is written. */
  suppressed: boolean;
  warnings: EventWarning[];
}

export interface SqliteIdentity {
  /** Runs inside the event's transaction; must not commit. */
  resolve(event: IncomingEvent, seq: number): IdentityResolution;
  getProfile(ref: ProfileRef): Profile | null;
  listProfiles(q: PageQuery): Page<Profile>;
  /** Fragment ids of the merged profile, for the timeline; null when the ref matches nothing. */
  profileFragments(ref: ProfileRef): number[] | null;
  /** Canonical profile id of a fragment (for `StoredEvent.profileId`). */
  canonicalProfileId(fragmentId: number): string | null;
  listMerges(ref: ProfileRef): MergeRecord[] | null;
  merge(from: ProfileRef, into: ProfileRef): MergeOutcome | null;
  unmerge(ref: ProfileRef): UnmergeOutcome | 'not_merged' | null;
  erase(ref: ProfileRef, o: { suppress: boolean }): DeletionResult | null;
}

/** Placeholder: every event stays unattached and no profile exists. */
export function createSqliteIdentity(_db: Database, _config: IdentityConfig | undefined): SqliteIdentity {
  return {
    resolve: () => ({ fragmentId: null, profileId: null, suppressed: false, warnings: [] }),
    getProfile: () => null,
    listProfiles: () => ({ data: [], nextCursor: null }),
    profileFragments: () => null,
    canonicalProfileId: () => null,
    listMerges: () => null,
    merge: () => null,
    unmerge: () => null,
    erase: () => null,
  };
}
