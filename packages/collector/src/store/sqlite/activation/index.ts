/**
 * Activation inside the SQLite store (issue 9): the engine calls it inside
 * each ingest request's savepoint (after the events are stored and resolved),
 * inside merge, unmerge and erasure transactions, and for the scheduler's
 * claims and the backfill. The decisions are the pure `src/activation`
 * modules; this folder only loads facts and writes what changed.
 */
import type { AudienceChange, AudienceChangeReason, AudienceMember, ChurnFit, JsonValue, Page } from '@exhaust/schema';
import type { Database, Statement } from 'better-sqlite3';
import { usesChurn } from '../../../activation/churn/condition.js';
import type { ChurnFacts } from '../../../activation/churn/outputs.js';
import {
  type ExplainNode,
  explainAudience,
  previewProfile,
  readsSubscriptions,
  relevantEvents,
  type ScoreDecay,
  withPreviewed,
} from '../../../activation/index.js';
import { shownComputedValues } from '../../activation-records.js';
import { decodeCursor, encodeCursor } from '../../cursor.js';
import type { PreparedEvent } from '../../prepared-event.js';
import type {
  BackfillProgress,
  ChangeQuery,
  ClaimDueInput,
  DefinitionKind,
  DefinitionPreviewSample,
  PageQuery,
  PreviewDefinitionInput,
  ProfileActivationState,
  SaveDefinitionInput,
  SaveDefinitionOutcome,
} from '../../store.js';
import { type ChurnBandHook, ChurnBandTracker } from '../churn/bands.js';
import type { SqliteChurn } from '../churn/index.js';
import { ActivationWriter, type ComputedChangeHook, type SystemEvent } from './apply.js';
import { DefinitionStore, type DefinitionsView } from './definitions.js';
import { FactLoader, type SubscriptionFactSource } from './facts.js';

/** The current fit as evaluation reads it. */
interface ChurnState {
  /** The newest fit when it has parameters. */
  fit: ChurnFit | null;
  /** True when evaluations load churn facts: there is a fit and some audience or band tracking reads it. */
  reads: boolean;
  /** True when bands are tracked (a fit, and someone subscribes to `churn.risk_changed`). */
  tracking: boolean;
  /** True when some audience has a churn condition (whether or not there is a fit). */
  audiences: boolean;
}
const NO_CHURN: ChurnState = { fit: null, reads: false, tracking: false, audiences: false };

export type {
  ComputedChangeHook,
  SystemEvent,
} from './apply.js';
export {
  EXHAUST_SOURCE,
  type SubscriptionFactSource,
} from './facts.js';
export { ACTIVATION_MIGRATION_SQL } from './schema.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** What one ingest request touched: canonical profiles, whether a relevant event did, and merges. */
interface Touched {
  relevant: boolean;
  merged: boolean;
}

const SQL = {
  canonicalOf: 'SELECT canonical_id FROM id_fragments WHERE id = ?',
  fragmentByPublicId: 'SELECT id, canonical_id FROM id_fragments WHERE public_id = ?',
  publicId: 'SELECT public_id FROM id_fragments WHERE id = ?',
  profileRow: 'SELECT evaluated_ms, computed, decays FROM activation_profiles WHERE profile_id = ?',
  membersOf: `SELECT audience_key AS key, entered_ms AS enteredMs FROM activation_memberships
     WHERE profile_id = ? AND member = 1 ORDER BY audience_key`,
  members: `SELECT m.profile_id AS id, f.public_id AS profileId, m.entered_ms AS enteredMs
     FROM activation_memberships m JOIN id_fragments f ON f.id = m.profile_id
     WHERE m.audience_key = ? AND m.member = 1 AND m.profile_id > ? ORDER BY m.profile_id LIMIT ?`,
  changes: `SELECT c.id, f.public_id AS profileId, c.seq, c.entered, c.reason, c.at_ms AS atMs, c.message_id AS messageId
     FROM activation_changes c JOIN id_fragments f ON f.id = c.profile_id
     WHERE c.audience_key = ? AND c.id > ? ORDER BY c.id LIMIT ?`,
  newestChanges: `SELECT c.id, f.public_id AS profileId, c.seq, c.entered, c.reason, c.at_ms AS atMs, c.message_id AS messageId
     FROM activation_changes c JOIN id_fragments f ON f.id = c.profile_id
     WHERE c.audience_key = ? ORDER BY c.id DESC LIMIT ?`,
  sizes: 'SELECT audience_key AS key, COUNT(*) AS n FROM activation_memberships WHERE member = 1 GROUP BY audience_key',
  claim: `UPDATE activation_profiles SET lease_owner = ?, lease_until_ms = ? WHERE profile_id IN (
       SELECT profile_id FROM activation_profiles WHERE due_ms <= ? AND (lease_until_ms IS NULL OR lease_until_ms <= ?)
       ORDER BY due_ms LIMIT ?) RETURNING profile_id`,
  nextDue: 'SELECT MIN(due_ms) FROM activation_profiles WHERE due_ms IS NOT NULL AND lease_until_ms IS NULL',
  nextLeaseEnd:
    'SELECT MIN(lease_until_ms) FROM activation_profiles WHERE lease_until_ms IS NOT NULL AND due_ms IS NOT NULL',
  backfillCursor: 'SELECT backfill_cursor FROM activation_meta WHERE id = 1',
  setBackfillCursor: 'UPDATE activation_meta SET backfill_cursor = ? WHERE id = 1',
  backfillRoots: 'SELECT id FROM id_fragments WHERE id > ? AND id <= ? AND canonical_id = id ORDER BY id LIMIT ?',
  deleteMembershipsKey: 'DELETE FROM activation_memberships WHERE audience_key = ?',
  deleteChangesKey: 'DELETE FROM activation_changes WHERE audience_key = ?',
  backfillTarget: "SELECT COALESCE(MAX(backfill_upto), 0) FROM activation_definitions WHERE status = 'backfilling'",
  // The preview's sample: the newest canonical profiles, as the backfill evaluates them.
  newestRoots: 'SELECT id, public_id AS publicId FROM id_fragments WHERE canonical_id = id ORDER BY id DESC LIMIT ?',
  countRoots: 'SELECT COUNT(*) FROM id_fragments WHERE canonical_id = id',
  eraseMemberships: 'DELETE FROM activation_memberships WHERE profile_id IN (SELECT value FROM json_each(?))',
  // NOTE: a scan (no index by profile, see the schema): erasure is rare, ingest writes every index.
  eraseChanges: 'DELETE FROM activation_changes WHERE profile_id IN (SELECT value FROM json_each(?))',
  eraseProfiles: 'DELETE FROM activation_profiles WHERE profile_id IN (SELECT value FROM json_each(?))',
  dueAll: 'UPDATE activation_profiles SET due_ms = ? WHERE due_ms IS NULL OR due_ms > ?',
} as const;

export class SqliteActivation {
  readonly #definitions: DefinitionStore;
  readonly #writer: ActivationWriter;
  readonly #facts: FactLoader;
  readonly #touched = new Map<number, Touched>();
  readonly #mergedAway = new Set<number>();
  #view: DefinitionsView;
  readonly #sql: Record<keyof typeof SQL, Statement<unknown[]>>;

  readonly #churn: SqliteChurn;
  readonly #bands: ChurnBandTracker;
  /** The current fit as evaluation reads it, refreshed with the view. */
  #churnState: ChurnState = NO_CHURN;
  readonly #usesChurn = new WeakMap<DefinitionsView, boolean>();

  constructor(
    db: Database,
    append: (event: SystemEvent) => void,
    onComputed: ComputedChangeHook | undefined,
    churn: { store: SqliteChurn; bands: ChurnBandHook },
    subscriptions?: SubscriptionFactSource,
  ) {
    this.#definitions = new DefinitionStore(db);
    this.#churn = churn.store;
    this.#bands = new ChurnBandTracker(db, churn.bands, () => this.#churnState.fit?.bands ?? []);
    this.#facts = new FactLoader(db, (rootId, now) => this.#churnFacts(rootId, now), subscriptions);
    this.#writer = new ActivationWriter(db, this.#facts, append, onComputed, this.#bands);
    this.#view = this.#definitions.view();
    this.#refreshChurn();
    const prepared: Partial<Record<keyof typeof SQL, Statement<unknown[]>>> = {};
    for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) prepared[name] = db.prepare(SQL[name]);
    this.#sql = prepared as Record<keyof typeof SQL, Statement<unknown[]>>;
  }

  /** The current definitions (re-read when their version moved). */
  refresh(): DefinitionsView {
    this.#view = this.#definitions.view();
    this.#refreshChurn();
    return this.#view;
  }

  /** Re-reads the current fit and whether anything reads churn (some audience, or band tracking). */
  #refreshChurn(): void {
    const fit = this.#churn.current();
    const fitted = fit?.status === 'fitted' && fit.params !== null ? fit : null;
    let uses = this.#usesChurn.get(this.#view);
    if (uses === undefined) {
      uses = [...this.#view.defs.audiences.values()].some((definition) => usesChurn(definition.condition));
      this.#usesChurn.set(this.#view, uses);
    }
    const tracking = fitted !== null && this.#bands.active;
    this.#churnState = { fit: fitted, reads: fitted !== null && (uses || tracking), tracking, audiences: uses };
  }

  #churnFacts(rootId: number, now: number): ChurnFacts | null {
    const { fit, reads } = this.#churnState;
    if (!reads || !fit?.params) return null;
    const purchases = this.#churn.purchasesOf(rootId, {
      event: fit.event,
      valueProperty: fit.valueProperty,
      asOf: now,
    });
    return { params: fit.params, purchases };
  }

  /**
   * After a new fit: every evaluated profile is due now when churn is read, since new
   * parameters move every churn figure (members may leave and others enter). An
   * `insufficient_data` fit also re-evaluates churn audiences: without parameters nobody matches.
   */
  afterChurnFit(now: number): void {
    this.refresh();
    if (this.#churnState.reads || this.#churnState.audiences) this.#sql.dueAll.run(now, now);
  }

  // --- ingest ---

  /** Called when a group-commit transaction begins: one version check per group. */
  beginGroup(): void {
    this.refresh();
    this.discardRequest();
  }

  /** The one check ingest pays when nothing is defined. */
  get active(): boolean {
    return this.#view.any || this.#churnState.tracking;
  }

  /** Notes a stored, attached event; evaluation waits for the end of its request (same savepoint). */
  noteEvent(event: PreparedEvent, rootId: number, mergedRoots: readonly number[]): void {
    const { relevant, traits } = this.#view;
    // Definitions name track events only: `relevant.types` are the types of those names.
    const churn = this.#churnState;
    const matters =
      relevant.all ||
      (churn.reads && event.eventName !== null && event.eventName === churn.fit?.event) ||
      (event.eventName !== null && relevant.names.has(event.eventName)) ||
      event.traitWrites.some((write) => traits.has(write.key));
    for (const loser of mergedRoots) this.#mergedAway.add(loser);
    const touched = this.#touched.get(rootId);
    const merged = mergedRoots.length > 0;
    if (touched) {
      touched.relevant ||= matters || merged;
      touched.merged ||= merged;
    } else this.#touched.set(rootId, { relevant: matters || merged, merged });
  }

  /**
   * A subscription of an address held by `fragmentId` changed: when some definition reads
   * subscriptions, its profile is re-evaluated with the request (reason `event`).
   */
  noteSubscriptionChange(fragmentId: number): void {
    if (this.#view.subscriptions.size === 0) return;
    const touched = this.#touched.get(fragmentId);
    if (touched) touched.relevant = true;
    else this.#touched.set(fragmentId, { relevant: true, merged: false });
  }

  /**
   * Evaluates every profile the request touched, once, inside its savepoint. A profile
   * never evaluated is evaluated whatever its event (a new person may already match
   * "has not done X"); an evaluated one only for a relevant event or a merge.
   */
  flushRequest(now: number): void {
    if (this.#touched.size === 0) return;
    const view = this.#view;
    for (const loser of this.#mergedAway) this.#writer.retire(view, loser, 'merge', now);
    const roots = new Map<number, Touched>();
    for (const [id, touched] of this.#touched) {
      const root = this.#sql.canonicalOf.pluck().get(id) as number | undefined;
      if (root === undefined) continue;
      const seen = roots.get(root);
      if (seen) {
        seen.relevant ||= touched.relevant;
        seen.merged ||= touched.merged;
      } else roots.set(root, { ...touched });
    }
    this.discardRequest();
    for (const [root, touched] of roots) {
      if (!touched.relevant && this.#writer.wasEvaluated(root)) continue;
      this.#writer.evaluate(view, root, touched.merged ? 'merge' : 'event', now);
    }
  }

  /** Forgets what the current request touched (it was rolled back, or flushed). */
  discardRequest(): void {
    this.#touched.clear();
    this.#mergedAway.clear();
  }

  // --- admin operations (inside the engine's transaction) ---

  /** After a forced merge: the loser leaves its audiences, the survivor is re-evaluated. */
  afterMerge(survivorPublicId: string, mergedPublicId: string, now: number): void {
    const view = this.refresh();
    if (!view.any) return;
    const survivor = this.#fragmentId(survivorPublicId);
    const loser = this.#fragmentId(mergedPublicId);
    if (survivor === undefined || loser === undefined || survivor === loser) return;
    this.#writer.retire(view, loser, 'merge', now);
    this.#writer.evaluate(view, survivor, 'merge', now);
  }

  /** After an unmerge: both sides are re-evaluated. */
  afterUnmerge(detachedPublicId: string, fromPublicId: string, now: number): void {
    const view = this.refresh();
    if (!view.any) return;
    for (const publicId of [fromPublicId, detachedPublicId]) {
      const id = this.#fragmentId(publicId);
      if (id !== undefined) this.#writer.evaluate(view, id, 'unmerge', now);
    }
  }

  /** Erasure: every activation row of these fragments goes, and nothing is emitted. */
  erase(fragmentIds: readonly number[]): void {
    const ids = JSON.stringify(fragmentIds);
    this.#sql.eraseMemberships.run(ids);
    this.#sql.eraseChanges.run(ids);
    this.#sql.eraseProfiles.run(ids);
    this.#churn.erase(fragmentIds);
  }

  // --- definitions ---

  saveDefinition(input: SaveDefinitionInput): SaveDefinitionOutcome {
    const outcome = this.#definitions.save(input);
    this.refresh();
    return outcome;
  }

  deleteDefinition(kind: DefinitionKind, key: string, expectedVersion: number) {
    const outcome = this.#definitions.remove(kind, key, expectedVersion);
    if (outcome === 'deleted') {
      // A deleted trait's values are hidden on read and dropped at each profile's next evaluation.
      if (kind === 'audience') {
        this.#sql.deleteMembershipsKey.run(key);
        this.#sql.deleteChangesKey.run(key);
      }
    }
    this.refresh();
    return outcome;
  }

  /** After a rolled-back definitions transaction. */
  forgetDefinitions(): void {
    this.#definitions.forget();
  }

  // --- reads ---

  profileState(rootId: number, now: number): Omit<ProfileActivationState, 'profileId'> {
    const evaluated = this.#sql.profileRow.get(rootId) as
      | { evaluated_ms: number; computed: string; decays: string | null }
      | undefined;
    const computed = evaluated
      ? shownComputedValues(
          JSON.parse(evaluated.computed) as Record<string, JsonValue>,
          evaluated.decays ? (JSON.parse(evaluated.decays) as Record<string, ScoreDecay>) : {},
          this.refresh().defs.computedTraits,
          now,
        )
      : {};
    const members = this.#sql.membersOf.all(rootId) as { key: string; enteredMs: number }[];
    return {
      computed,
      computedAt: evaluated ? iso(evaluated.evaluated_ms) : null,
      audiences: members.map((m) => ({ key: m.key, enteredAt: iso(m.enteredMs) })),
    };
  }

  members(key: string, query: PageQuery): Page<AudienceMember> | null {
    if (!this.refresh().defs.audiences.has(key)) return null;
    const after = query.cursor ? decodeCursor(query.cursor) : 0;
    const rows = this.#sql.members.all(key, after, query.limit + 1) as {
      id: number;
      profileId: string;
      enteredMs: number;
    }[];
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    return {
      data: page.map((row) => ({ profileId: row.profileId, enteredAt: iso(row.enteredMs) })),
      nextCursor: more ? encodeCursor(page.at(-1)!.id) : null,
    };
  }

  changes(key: string, query: ChangeQuery): Page<AudienceChange> | null {
    if (!this.refresh().defs.audiences.has(key)) return null;
    const after = query.since && !query.newest ? decodeCursor(query.since) : 0;
    const rows = (
      query.newest ? this.#sql.newestChanges.all(key, query.limit) : this.#sql.changes.all(key, after, query.limit)
    ) as {
      id: number;
      profileId: string;
      seq: number;
      entered: number;
      reason: AudienceChangeReason;
      atMs: number;
      messageId: string;
    }[];
    return {
      data: rows.map((row) => ({
        profileId: row.profileId,
        seq: row.seq,
        change: row.entered === 1 ? 'entered' : 'exited',
        reason: row.reason,
        at: iso(row.atMs),
        messageId: row.messageId,
      })),
      nextCursor: encodeCursor((query.newest ? rows[0]?.id : rows.at(-1)?.id) ?? after),
    };
  }

  sizes(): Record<string, number> {
    const sizes: Record<string, number> = {};
    for (const key of this.refresh().defs.audiences.keys()) sizes[key] = 0;
    for (const row of this.#sql.sizes.all() as { key: string; n: number }[]) {
      if (row.key in sizes) sizes[row.key] = row.n;
    }
    return sizes;
  }

  explain(rootId: number, key: string, now: number): ExplainNode | 'unknown_audience' {
    const view = this.refresh();
    if (!view.defs.audiences.has(key)) return 'unknown_audience';
    return explainAudience(view.defs, key, this.#facts.load(view, rootId, now)) ?? 'unknown_audience';
  }

  /** Evaluates an unsaved definition over the newest profiles; reads only. */
  preview(input: PreviewDefinitionInput): DefinitionPreviewSample {
    const defs = withPreviewed(this.refresh().defs, input.target);
    const relevant = relevantEvents(defs);
    const names = relevant.all ? null : JSON.stringify([...relevant.names]);
    const channels = readsSubscriptions(defs);
    const roots = this.#sql.newestRoots.all(input.sampleSize) as { id: number; publicId: string }[];
    const sample: DefinitionPreviewSample['sample'] = [];
    let matched = 0;
    for (const root of roots) {
      const outcome = previewProfile(defs, input.target, this.#facts.loadFor(names, channels, root.id, input.now));
      if (!outcome.matched) continue;
      matched += 1;
      if (sample.length < input.sampleMembers) {
        sample.push(
          input.target.kind === 'audience'
            ? { profileId: root.publicId }
            : { profileId: root.publicId, value: outcome.value ?? null },
        );
      }
    }
    return {
      totalProfiles: this.#sql.countRoots.pluck().get() as number,
      sampled: roots.length,
      matched,
      sample,
    };
  }

  // --- scheduling (each inside the engine's transaction) ---

  claimDue({ now, owner, leaseMs, limit }: ClaimDueInput): string[] {
    const ids = this.#sql.claim.pluck().all(owner, now + leaseMs, now, now, limit) as number[];
    return ids.map((id) => this.#sql.publicId.pluck().get(id) as string | undefined).filter((id) => id !== undefined);
  }

  reevaluate(profileIds: readonly string[], now: number): number {
    const view = this.refresh();
    let evaluated = 0;
    for (const publicId of profileIds) {
      const row = this.#sql.fragmentByPublicId.get(publicId) as { id: number; canonical_id: number } | undefined;
      if (!row) continue;
      if (row.canonical_id !== row.id) {
        this.#writer.unschedule(row.id);
        continue;
      }
      this.#writer.evaluate(view, row.id, 'time', now);
      evaluated += 1;
    }
    return evaluated;
  }

  nextDueAt(): number | null {
    const due = this.#sql.nextDue.pluck().get() as number | null;
    const leaseEnd = this.#sql.nextLeaseEnd.pluck().get() as number | null;
    if (due === null) return leaseEnd;
    return leaseEnd === null ? due : Math.min(due, leaseEnd);
  }

  /**
   * One chunk of the backfill scan: the next `limit` canonical profiles up to the highest
   * `backfill_upto` of the definitions still backfilling, evaluated with reason `definition`.
   */
  backfillStep(now: number, limit: number): BackfillProgress {
    const view = this.refresh();
    if (!view.anyBackfilling) return { evaluated: 0, remaining: false };
    const target = this.#sql.backfillTarget.pluck().get() as number;
    const cursor = this.#sql.backfillCursor.pluck().get() as number;
    const roots = this.#sql.backfillRoots.pluck().all(cursor, target, limit) as number[];
    for (const root of roots) this.#writer.evaluate(view, root, 'definition', now);
    const next = roots.length < limit ? target : roots.at(-1)!;
    this.#sql.setBackfillCursor.run(next);
    if (next >= target) this.#definitions.finishBackfill(next);
    return { evaluated: roots.length, remaining: this.refresh().anyBackfilling };
  }

  #fragmentId(publicId: string): number | undefined {
    const row = this.#sql.fragmentByPublicId.get(publicId) as { id: number } | undefined;
    return row?.id;
  }
}
