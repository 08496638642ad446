/**
 * Activation inside the PostgreSQL store (issue 9): ingest notes events per
 * request and evaluates at the end of the request's savepoint; merge, unmerge
 * and erasure call it inside their transactions; the scheduler claims due rows
 * (FOR UPDATE SKIP LOCKED, with a lease) and re-evaluates them; the backfill
 * scans profiles in chunks. The decisions are the pure `src/activation`
 * modules; this folder only loads facts and writes what changed.
 *
 * Several collectors run this on the same rows. Every evaluation holds the
 * profile's root lock (the identity lock, see locks.ts) from before it reads
 * the stored state until its transaction ends, so two evaluations of one
 * profile never interleave: the second sees what the first wrote and emits
 * nothing twice. A lease only keeps other schedulers from claiming a row
 * again while one works on it; if its claimer dies, the lease runs out and
 * another collector claims it.
 */
import type { AudienceChange, AudienceChangeReason, AudienceMember, ChurnFit, JsonValue, Page } from '@exhaust/schema';
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
import { type DefinitionsView, shownComputedValues } from '../../activation-records.js';
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
import type { IdentityTx } from '../identity/graph.js';
import { lockRoots } from '../locks.js';
import type { Queryable } from '../pool.js';
import { ActivationWriter } from './apply.js';
import { DefinitionStore } from './definitions.js';
import { FactLoader } from './facts.js';
import { FeedNumbering } from './feed.js';
import type { ActivationHooks } from './hooks.js';

export type {
  ActivationChurn,
  ActivationHooks,
  AudienceLifecycleAppended,
  AudienceLifecycleHook,
  ChurnBandTracking,
  ComputedChangeHook,
  SubscriptionFactSource,
} from './hooks.js';
export { ACTIVATION_MIGRATION_SQL } from './schema.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The current fit as evaluation reads it (see the SQLite store). */
interface ChurnState {
  fit: ChurnFit | null;
  /** True when evaluations load churn facts: a fit, and some audience or band tracking reads it. */
  reads: boolean;
  /** True when bands are tracked. */
  tracking: boolean;
  /** True when some audience has a churn condition. */
  audiences: boolean;
}
const NO_CHURN: ChurnState = { fit: null, reads: false, tracking: false, audiences: false };

/** What one transaction reads once: the definitions and the current fit. */
interface State {
  view: DefinitionsView;
  churn: ChurnState;
}

/** What one ingest request touched, per fragment: whether a relevant event did, and merges. */
interface Touched {
  relevant: boolean;
  merged: boolean;
}

/**
 * The root of `fragmentId` with its root lock held by this transaction: locks what it read
 * and reads again until the root read is the root locked (a merge may move it in between).
 */
async function lockedRootOf(tx: IdentityTx, fragmentId: number): Promise<number | undefined> {
  for (;;) {
    const { rows } = await tx.db.query<{ canonical_id: number }>({
      name: 'activation_canonical_of',
      text: 'SELECT canonical_id FROM id_fragments WHERE id = $1',
      values: [fragmentId],
    });
    const root = rows[0]?.canonical_id;
    if (root === undefined || tx.lockedRoots.has(root)) return root;
    await lockRoots(tx.db, [root]);
    tx.lockedRoots.add(root);
  }
}

async function fragmentByPublicId(db: Queryable, publicId: string) {
  const { rows } = await db.query<{ id: number; canonical_id: number }>({
    name: 'activation_fragment_by_public_id',
    text: 'SELECT id, canonical_id FROM id_fragments WHERE public_id = $1',
    values: [publicId],
  });
  return rows[0];
}

/**
 * One ingest transaction's (or subscription change's) evaluation: events are noted per request,
 * evaluated once per touched profile by `flushRequest` inside the request's savepoint, and
 * forgotten by `discardRequest` when the request rolls back.
 */
export interface ActivationRequests {
  /** The one check ingest pays when nothing is defined. */
  readonly active: boolean;
  noteEvent(event: PreparedEvent, rootId: number, mergedRoots: readonly number[]): void;
  /** A subscription of an address `fragmentId` holds changed: re-evaluated with the request when read. */
  noteSubscriptionChange(fragmentId: number): void;
  flushRequest(now: number): Promise<void>;
  discardRequest(): void;
}

export class PgActivation {
  readonly #definitions = new DefinitionStore();
  readonly #facts: FactLoader;
  readonly #writer: ActivationWriter;
  readonly #hooks: ActivationHooks;
  readonly #usesChurn = new WeakMap<DefinitionsView, boolean>();
  readonly #feed = new FeedNumbering();
  /** Per connection, the requests object of the group or subscription change it runs (see requestsOf). */
  readonly #requests = new WeakMap<Queryable, ActivationRequests>();

  /** @param hooks the other areas (webhook outbox, churn, subscriptions); absent ones do nothing */
  constructor(hooks: ActivationHooks = {}) {
    this.#hooks = hooks;
    this.#facts = new FactLoader(
      hooks.churn ? (db, rootId, now) => this.#churnFacts(db, rootId, now) : undefined,
      hooks.subscriptions,
    );
    this.#writer = new ActivationWriter(this.#facts, hooks, this.#feed);
  }

  /** Must run right before every COMMIT of a transaction that may have evaluated (see feed.ts). */
  beforeCommit(db: Queryable): Promise<void> {
    return this.#feed.beforeCommit(db);
  }

  /** The definitions (re-read when their version moved) and the current fit, for one transaction. */
  async #state(db: Queryable): Promise<State> {
    const view = await this.#definitions.view(db);
    const churn = this.#hooks.churn;
    if (!churn) return { view, churn: NO_CHURN };
    let uses = this.#usesChurn.get(view);
    if (uses === undefined) {
      uses = [...view.defs.audiences.values()].some((definition) => usesChurn(definition.condition));
      this.#usesChurn.set(view, uses);
    }
    const bands = churn.bands?.active() ?? false;
    // The fit is read only when something reads it: most groups then spend no statement on churn.
    if (!uses && !bands) return { view, churn: NO_CHURN };
    const current = await churn.store.current(db);
    const fit = current?.status === 'fitted' && current.params !== null ? current : null;
    const tracking = fit !== null && bands;
    return { view, churn: { fit, reads: fit !== null && (uses || tracking), tracking, audiences: uses } };
  }

  // NOTE: the fit read by #state is read again here: facts are loaded per profile, rarely with churn.
  async #churnFacts(db: Queryable, rootId: number, now: number): Promise<ChurnFacts | null> {
    const { churn } = await this.#state(db);
    if (!churn.reads || !churn.fit?.params) return null;
    const purchases = await this.#hooks.churn!.store.purchasesOf(db, rootId, {
      event: churn.fit.event,
      valueProperty: churn.fit.valueProperty,
      asOf: now,
    });
    return { params: churn.fit.params, purchases };
  }

  /**
   * After a new fit (the churn area calls it in the fit's transaction): every evaluated
   * profile is due now when churn is read; see the SQLite store.
   */
  async afterChurnFit(db: Queryable, now: number): Promise<void> {
    const { churn } = await this.#state(db);
    if (churn.reads || churn.audiences) {
      await db.query('UPDATE activation_profiles SET due_ms = $1 WHERE due_ms IS NULL OR due_ms > $1', [now]);
    }
  }

  /** Evaluates `fragmentId`'s profile under its root lock; false when the fragment is gone. */
  async #evaluate(
    tx: IdentityTx,
    view: DefinitionsView,
    fragmentId: number,
    reason: AudienceChangeReason,
    now: number,
  ) {
    const root = await lockedRootOf(tx, fragmentId);
    if (root === undefined) return false;
    await this.#writer.evaluate(tx.db, view, root, reason, now);
    return true;
  }

  /** Retires a merged-away root (its own lock, which the merge holds already). */
  async #retire(tx: IdentityTx, view: DefinitionsView, loser: number, now: number): Promise<void> {
    if (!tx.lockedRoots.has(loser)) {
      await lockRoots(tx.db, [loser]);
      tx.lockedRoots.add(loser);
    }
    await this.#writer.retire(tx.db, view, loser, 'merge', now);
  }

  // --- ingest ---

  /** Called when a group-commit (or subscription-change) transaction begins: one version check. */
  async beginGroup(tx: IdentityTx): Promise<ActivationRequests> {
    const requests = await this.#beginGroup(tx);
    this.#requests.set(tx.db, requests);
    return requests;
  }

  /**
   * The requests object of the transaction running on this connection, for the areas that
   * change what audiences read from inside it (an applied subscription change).
   */
  requestsOf(db: Queryable): ActivationRequests | undefined {
    return this.#requests.get(db);
  }

  async #beginGroup(tx: IdentityTx): Promise<ActivationRequests> {
    const { view, churn } = await this.#state(tx.db);
    const touched = new Map<number, Touched>();
    const mergedAway = new Set<number>();
    const discard = () => {
      touched.clear();
      mergedAway.clear();
    };
    const activation = this;
    return {
      active: view.any || churn.tracking,
      noteEvent(event, rootId, mergedRoots) {
        const { relevant, traits } = view;
        // Definitions name track events only: `relevant.types` are the types of those names.
        const matters =
          relevant.all ||
          (churn.reads && event.eventName !== null && event.eventName === churn.fit?.event) ||
          (event.eventName !== null && relevant.names.has(event.eventName)) ||
          event.traitWrites.some((write) => traits.has(write.key));
        for (const loser of mergedRoots) mergedAway.add(loser);
        const merged = mergedRoots.length > 0;
        const seen = touched.get(rootId);
        if (seen) {
          seen.relevant ||= matters || merged;
          seen.merged ||= merged;
        } else touched.set(rootId, { relevant: matters || merged, merged });
      },
      noteSubscriptionChange(fragmentId) {
        if (view.subscriptions.size === 0) return;
        const seen = touched.get(fragmentId);
        if (seen) seen.relevant = true;
        else touched.set(fragmentId, { relevant: true, merged: false });
      },
      /**
       * Evaluates every profile the request touched, once, inside its savepoint. A profile
       * never evaluated is evaluated whatever its event (a new person may already match
       * "has not done X"); an evaluated one only for a relevant event or a merge.
       */
      async flushRequest(now) {
        if (touched.size === 0) return;
        const losers = [...mergedAway].sort((a, b) => a - b);
        const noted = [...touched];
        discard();
        for (const loser of losers) await activation.#retire(tx, view, loser, now);
        const roots = new Map<number, Touched>();
        for (const [id, seen] of noted) {
          const root = await lockedRootOf(tx, id);
          if (root === undefined) continue;
          const known = roots.get(root);
          if (known) {
            known.relevant ||= seen.relevant;
            known.merged ||= seen.merged;
          } else roots.set(root, { ...seen });
        }
        for (const [root, seen] of roots) {
          if (!seen.relevant && (await activation.#writer.wasEvaluated(tx.db, root))) continue;
          await activation.#writer.evaluate(tx.db, view, root, seen.merged ? 'merge' : 'event', now);
        }
      },
      discardRequest: discard,
    };
  }

  // --- admin operations (inside the store's transaction, identity locks held) ---

  /** After a forced merge: the loser leaves its audiences, the survivor is re-evaluated. */
  async afterMerge(tx: IdentityTx, survivorPublicId: string, mergedPublicId: string, now: number): Promise<void> {
    const { view } = await this.#state(tx.db);
    if (!view.any) return;
    const survivor = await fragmentByPublicId(tx.db, survivorPublicId);
    const loser = await fragmentByPublicId(tx.db, mergedPublicId);
    if (!survivor || !loser || survivor.id === loser.id) return;
    await this.#retire(tx, view, loser.id, now);
    await this.#evaluate(tx, view, survivor.id, 'merge', now);
  }

  /** After an unmerge: both sides are re-evaluated. */
  async afterUnmerge(tx: IdentityTx, detachedPublicId: string, fromPublicId: string, now: number): Promise<void> {
    const { view } = await this.#state(tx.db);
    if (!view.any) return;
    for (const publicId of [fromPublicId, detachedPublicId]) {
      const row = await fragmentByPublicId(tx.db, publicId);
      if (row) await this.#evaluate(tx, view, row.id, 'unmerge', now);
    }
  }

  /** Erasure: every activation row of these fragments goes, and nothing is emitted. */
  async erase(db: Queryable, fragmentIds: readonly number[]): Promise<void> {
    const ids = [...fragmentIds];
    await db.query('DELETE FROM activation_memberships WHERE profile_id = ANY($1::bigint[])', [ids]);
    await db.query('DELETE FROM activation_changes WHERE profile_id = ANY($1::bigint[])', [ids]);
    await db.query('DELETE FROM activation_profiles WHERE profile_id = ANY($1::bigint[])', [ids]);
    await this.#hooks.churn?.store.erase(db, fragmentIds);
  }

  // --- definitions ---

  async getDefinitions(db: Queryable) {
    return (await this.#definitions.view(db)).snapshot;
  }

  saveDefinition(db: Queryable, input: SaveDefinitionInput): Promise<SaveDefinitionOutcome> {
    return this.#definitions.save(db, input);
  }

  async deleteDefinition(db: Queryable, kind: DefinitionKind, key: string, expectedVersion: number) {
    const outcome = await this.#definitions.remove(db, kind, key, expectedVersion);
    // A deleted trait's values are hidden on read and dropped at each profile's next evaluation.
    if (outcome === 'deleted' && kind === 'audience') {
      await db.query('DELETE FROM activation_memberships WHERE audience_key = $1', [key]);
      await db.query('DELETE FROM activation_changes WHERE audience_key = $1', [key]);
    }
    return outcome;
  }

  // --- reads ---

  async profileState(db: Queryable, rootId: number, now: number): Promise<Omit<ProfileActivationState, 'profileId'>> {
    const evaluated = (
      await db.query<{ evaluated_ms: number; computed: string; decays: string | null }>(
        'SELECT evaluated_ms, computed, decays FROM activation_profiles WHERE profile_id = $1',
        [rootId],
      )
    ).rows[0];
    const computed = evaluated
      ? shownComputedValues(
          JSON.parse(evaluated.computed) as Record<string, JsonValue>,
          evaluated.decays ? (JSON.parse(evaluated.decays) as Record<string, ScoreDecay>) : {},
          (await this.#definitions.view(db)).defs.computedTraits,
          now,
        )
      : {};
    const members = (
      await db.query<{ key: string; enteredMs: number }>(
        `SELECT audience_key AS key, entered_ms AS "enteredMs" FROM activation_memberships
         WHERE profile_id = $1 AND member ORDER BY audience_key COLLATE "C"`,
        [rootId],
      )
    ).rows;
    return {
      computed,
      computedAt: evaluated ? iso(evaluated.evaluated_ms) : null,
      audiences: members.map((m) => ({ key: m.key, enteredAt: iso(m.enteredMs) })),
    };
  }

  async members(db: Queryable, key: string, query: PageQuery): Promise<Page<AudienceMember> | null> {
    if (!(await this.#definitions.view(db)).defs.audiences.has(key)) return null;
    const after = query.cursor ? decodeCursor(query.cursor) : 0;
    const { rows } = await db.query<{ id: number; profileId: string; enteredMs: number }>(
      `SELECT m.profile_id AS id, f.public_id AS "profileId", m.entered_ms AS "enteredMs"
       FROM activation_memberships m JOIN id_fragments f ON f.id = m.profile_id
       WHERE m.audience_key = $1 AND m.member AND m.profile_id > $2 ORDER BY m.profile_id LIMIT $3`,
      [key, after, query.limit + 1],
    );
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    return {
      data: page.map((row) => ({ profileId: row.profileId, enteredAt: iso(row.enteredMs) })),
      nextCursor: more ? encodeCursor(page.at(-1)!.id) : null,
    };
  }

  async changes(db: Queryable, key: string, query: ChangeQuery): Promise<Page<AudienceChange> | null> {
    if (!(await this.#definitions.view(db)).defs.audiences.has(key)) return null;
    const after = query.since && !query.newest ? decodeCursor(query.since) : 0;
    const columns = `c.feed_id AS id, f.public_id AS "profileId", c.seq, c.entered, c.reason, c.at_ms AS "atMs",
      c.message_id AS "messageId" FROM activation_changes c JOIN id_fragments f ON f.id = c.profile_id`;
    const { rows } = await db.query<{
      id: number;
      profileId: string;
      seq: number;
      entered: boolean;
      reason: AudienceChangeReason;
      atMs: number;
      messageId: string;
    }>(
      query.newest
        ? `SELECT ${columns} WHERE c.audience_key = $1 AND c.feed_id IS NOT NULL ORDER BY c.feed_id DESC LIMIT $2`
        : `SELECT ${columns} WHERE c.audience_key = $1 AND c.feed_id > $3 ORDER BY c.feed_id LIMIT $2`,
      query.newest ? [key, query.limit] : [key, query.limit, after],
    );
    return {
      data: rows.map((row) => ({
        profileId: row.profileId,
        seq: row.seq,
        change: row.entered ? 'entered' : 'exited',
        reason: row.reason,
        at: iso(row.atMs),
        messageId: row.messageId,
      })),
      nextCursor: encodeCursor((query.newest ? rows[0]?.id : rows.at(-1)?.id) ?? after),
    };
  }

  async sizes(db: Queryable): Promise<Record<string, number>> {
    const sizes: Record<string, number> = {};
    for (const key of (await this.#definitions.view(db)).defs.audiences.keys()) sizes[key] = 0;
    const { rows } = await db.query<{ key: string; n: number }>(
      'SELECT audience_key AS key, count(*) AS n FROM activation_memberships WHERE member GROUP BY audience_key',
    );
    for (const row of rows) if (row.key in sizes) sizes[row.key] = row.n;
    return sizes;
  }

  async explain(db: Queryable, rootId: number, key: string, now: number): Promise<ExplainNode | 'unknown_audience'> {
    const view = await this.#definitions.view(db);
    if (!view.defs.audiences.has(key)) return 'unknown_audience';
    return explainAudience(view.defs, key, await this.#facts.load(db, view, rootId, now)) ?? 'unknown_audience';
  }

  /** Evaluates an unsaved definition over the newest profiles; reads only. */
  async preview(db: Queryable, input: PreviewDefinitionInput): Promise<DefinitionPreviewSample> {
    const defs = withPreviewed((await this.#definitions.view(db)).defs, input.target);
    const relevant = relevantEvents(defs);
    const names = relevant.all ? null : [...relevant.names];
    const channels = readsSubscriptions(defs);
    const roots = (
      await db.query<{ id: number; publicId: string }>(
        'SELECT id, public_id AS "publicId" FROM id_fragments WHERE canonical_id = id ORDER BY id DESC LIMIT $1',
        [input.sampleSize],
      )
    ).rows;
    const sample: DefinitionPreviewSample['sample'] = [];
    let matched = 0;
    for (const root of roots) {
      const facts = await this.#facts.loadFor(db, names, channels, root.id, input.now);
      const outcome = previewProfile(defs, input.target, facts);
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
    const total = (await db.query<{ n: number }>('SELECT count(*) AS n FROM id_fragments WHERE canonical_id = id'))
      .rows[0]!.n;
    return { totalProfiles: total, sampled: roots.length, matched, sample };
  }

  // --- scheduling (each inside the store's transaction) ---

  /**
   * Leases the due rows to `owner`. SKIP LOCKED: a row another collector is claiming at this
   * instant is left to it, never waited for nor claimed twice; a row whose lease ran out is
   * due again.
   */
  async claimDue(db: Queryable, { now, owner, leaseMs, limit }: ClaimDueInput): Promise<string[]> {
    const { rows } = await db.query<{ public_id: string | null }>({
      name: 'activation_claim_due',
      text: `WITH due AS (
               SELECT profile_id FROM activation_profiles
               WHERE due_ms <= $3 AND (lease_until_ms IS NULL OR lease_until_ms <= $3)
               ORDER BY due_ms LIMIT $4 FOR UPDATE SKIP LOCKED)
             UPDATE activation_profiles p SET lease_owner = $1, lease_until_ms = $2
             FROM due WHERE p.profile_id = due.profile_id
             RETURNING (SELECT public_id FROM id_fragments WHERE id = p.profile_id) AS public_id`,
      values: [owner, now + leaseMs, now, limit],
    });
    return rows.map((row) => row.public_id).filter((id) => id !== null);
  }

  async reevaluate(tx: IdentityTx, profileIds: readonly string[], now: number): Promise<number> {
    const { view } = await this.#state(tx.db);
    const found: { id: number; canonical_id: number }[] = [];
    for (const publicId of profileIds) {
      const row = await fragmentByPublicId(tx.db, publicId);
      if (row) found.push(row);
    }
    // Root locks in one order: two schedulers re-evaluating overlapping sets cannot deadlock.
    found.sort((a, b) => a.id - b.id);
    let evaluated = 0;
    for (const row of found) {
      const root = row.canonical_id === row.id ? await lockedRootOf(tx, row.id) : row.canonical_id;
      if (root !== row.id) {
        // Merged away since it was scheduled: nothing is due for it any more.
        await this.#writer.unschedule(tx.db, row.id);
        continue;
      }
      await this.#writer.evaluate(tx.db, view, row.id, 'time', now);
      evaluated += 1;
    }
    return evaluated;
  }

  async nextDueAt(db: Queryable): Promise<number | null> {
    const { rows } = await db.query<{ due: number | null; lease_end: number | null }>({
      name: 'activation_next_due',
      text: `SELECT (SELECT min(due_ms) FROM activation_profiles WHERE due_ms IS NOT NULL AND lease_until_ms IS NULL) AS due,
             (SELECT min(lease_until_ms) FROM activation_profiles WHERE lease_until_ms IS NOT NULL AND due_ms IS NOT NULL)
             AS lease_end`,
    });
    const { due, lease_end: leaseEnd } = rows[0]!;
    if (due === null) return leaseEnd;
    return leaseEnd === null ? due : Math.min(due, leaseEnd);
  }

  /**
   * One chunk of the backfill scan (see the SQLite store). The meta row is locked for the
   * chunk: two collectors' schedulers take turns instead of evaluating one chunk twice.
   */
  /** Whether some definition is backfilling (a read of the cached definitions; takes no lock). */
  async backfillPending(db: Queryable): Promise<boolean> {
    return (await this.#definitions.view(db)).anyBackfilling;
  }

  async backfillStep(tx: IdentityTx, now: number, limit: number): Promise<BackfillProgress> {
    const { db } = tx;
    if (!(await this.#definitions.view(db)).anyBackfilling) return { evaluated: 0, remaining: false };
    const cursor = await this.#definitions.lockBackfillCursor(db);
    // Read again under the lock: another collector may have just finished the scan.
    const { view } = await this.#state(db);
    if (!view.anyBackfilling) return { evaluated: 0, remaining: false };
    const target = (
      await db.query<{ n: number }>(
        "SELECT COALESCE(max(backfill_upto), 0) AS n FROM activation_definitions WHERE status = 'backfilling'",
      )
    ).rows[0]!.n;
    const roots = (
      await db.query<{ id: number }>(
        'SELECT id FROM id_fragments WHERE id > $1 AND id <= $2 AND canonical_id = id ORDER BY id LIMIT $3',
        [cursor, target, limit],
      )
    ).rows.map((row) => row.id);
    for (const root of roots) {
      // A profile merged away meanwhile is evaluated as part of its survivor.
      if ((await lockedRootOf(tx, root)) === root) await this.#writer.evaluate(db, view, root, 'definition', now);
    }
    const next = roots.length < limit ? target : roots.at(-1)!;
    await this.#definitions.setBackfillCursor(db, next);
    if (next >= target) await this.#definitions.finishBackfill(db, next);
    // NOTE: not through the cached view: this transaction's uncommitted version must not be cached.
    return { evaluated: roots.length, remaining: await this.#definitions.anyBackfilling(db) };
  }
}
