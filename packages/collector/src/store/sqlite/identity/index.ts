/**
 * Identity resolution inside the SQLite store (issue 3, policy "default-v1").
 * The engine calls `resolve` inside each event's savepoint, after dedupe and
 * before the event row is written, so stitching commits atomically with the
 * event. The decisions themselves are the pure functions of `src/identity`.
 */
import type { ConsentRecord, DeletionRecord, MergeRecord, Page, Profile, SuppressionStat } from '@exhaust/schema';
import type { Database } from 'better-sqlite3';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig } from '../../../identity/config.js';
import type { PreparedEvent } from '../../prepared-event.js';
import type { MergeOutcome, PageQuery, ProfileRef, UnmergeOutcome } from '../../store.js';
import { erase, forceMerge, type IdentityDeletion, unmerge } from './admin.js';
import { listDeletions, listSuppressionStats, recordDeletionExtras } from './audit.js';
import { componentOf, createIdentityContext, fragment, resetGroupCache, rootOfRef } from './graph.js';
import { listMergeHistory, listProfiles, readProfile } from './profiles.js';
import { type IdentityResolution, resolveEvent } from './resolve.js';
import { listConsentHistory, searchProfiles } from './search.js';

export type { IdentityResolution } from './resolve.js';
export { IDENTITY_MIGRATION_SQL } from './schema.js';

export interface SqliteIdentity {
  /** Called when a group-commit transaction begins: what was cached for the previous group is dropped. */
  beginGroup(): void;
  /** Runs inside the event's transaction; must not commit. */
  resolve(event: PreparedEvent, seq: number): IdentityResolution;
  getProfile(ref: ProfileRef): Profile | null;
  /** The canonical fragment behind a ref (its row id and public id), for state keyed by it. */
  getProfileRoot(ref: ProfileRef): { id: number; publicId: string } | null;
  listProfiles(q: PageQuery): Page<Profile>;
  /** Fragment ids of the merged profile, for the timeline; null when the ref matches nothing. */
  profileFragments(ref: ProfileRef): number[] | null;
  /** Canonical profile id of a fragment (for `StoredEvent.profileId`). */
  canonicalProfileId(fragmentId: number): string | null;
  listMerges(ref: ProfileRef): MergeRecord[] | null;
  /** Must run inside a transaction (the engine opens one). */
  merge(from: ProfileRef, into: ProfileRef): MergeOutcome | null;
  /** Must run inside a transaction (the engine opens one). */
  unmerge(ref: ProfileRef): UnmergeOutcome | 'not_merged' | null;
  searchProfiles(query: string, limit: number): Profile[];
  listConsentHistory(ref: ProfileRef): ConsentRecord[] | null;
  /** Must run inside a transaction (the engine opens one). */
  erase(ref: ProfileRef, o: { suppress: boolean }): IdentityDeletion | null;
  listDeletions(q: PageQuery): Page<DeletionRecord>;
  listSuppressionStats(q: PageQuery): Page<SuppressionStat>;
  recordDeletionExtras(deletionId: string, extras: { subscriptions: number; contactSuppressed: number }): void;
}

/**
 * @param config the validated `identity` config; defaults to the policy's defaults.
 * @example const identity = createSqliteIdentity(db, DEFAULT_IDENTITY_CONFIG);
 */
export function createSqliteIdentity(db: Database, config: IdentityConfig | undefined): SqliteIdentity {
  const ctx = createIdentityContext(db, config ?? DEFAULT_IDENTITY_CONFIG);
  return {
    beginGroup: () => resetGroupCache(ctx),
    resolve: (event, seq) => resolveEvent(ctx, event, seq),
    getProfile: (ref) => {
      const root = rootOfRef(ctx, ref);
      return root ? readProfile(ctx, root) : null;
    },
    getProfileRoot: (ref) => {
      const root = rootOfRef(ctx, ref);
      return root ? { id: root.id, publicId: root.public_id } : null;
    },
    listProfiles: (query) => listProfiles(ctx, query),
    profileFragments: (ref) => {
      const root = rootOfRef(ctx, ref);
      return root ? componentOf(ctx, root.id) : null;
    },
    canonicalProfileId: (fragmentId) => {
      const found = fragment(ctx, fragmentId);
      if (!found) return null;
      return found.canonical_id === found.id ? found.public_id : (fragment(ctx, found.canonical_id)?.public_id ?? null);
    },
    listMerges: (ref) => {
      const root = rootOfRef(ctx, ref);
      return root ? listMergeHistory(ctx, root) : null;
    },
    searchProfiles: (query, limit) => searchProfiles(ctx, query, limit),
    listConsentHistory: (ref) => listConsentHistory(ctx, ref),
    merge: (from, into) => forceMerge(ctx, from, into),
    unmerge: (ref) => unmerge(ctx, ref),
    erase: (ref, options) => erase(ctx, ref, options),
    recordDeletionExtras: (deletionId, extras) => recordDeletionExtras(ctx, deletionId, extras),
    listDeletions: (query) => listDeletions(ctx, query),
    listSuppressionStats: (query) => listSuppressionStats(ctx, query),
  };
}
