/**
 * Applies one evaluation of one canonical profile: diffs the pure engine's
 * answer against the stored state and writes what changed (computed values,
 * memberships with their per-(profile, audience) seq, the change log, one
 * `Audience Entered` / `Audience Exited` event per change) and the profile's
 * next due instant. Runs inside the caller's transaction; never commits.
 */
import type { AudienceChangeReason, JsonValue } from '@exhaust/schema';
import type { Database, Statement } from 'better-sqlite3';
import { evaluateProfile, type ScoreDecay } from '../../../activation/index.js';
import {
  audienceLifecycleEvent,
  changedComputedValues,
  earliest,
  isSilentBackfillEntry,
} from '../../activation-records.js';
import type { ChurnBandTracker } from '../churn/bands.js';
import type { DefinitionsView } from './definitions.js';
import type { FactLoader } from './facts.js';

/** A lifecycle event for the engine to append to the events table (it owns seq and dedupe). */
export interface SystemEvent {
  fragmentId: number;
  messageId: string;
  eventName: string;
  /** ISO 8601, both event time and receivedAt. */
  at: string;
  payload: string;
}

/** Told of each computed value that changed (JSON texts; previous null when first computed): the webhook outbox. */
export interface ComputedChangeHook {
  /** False when nobody listens: the previous values are then not even read. */
  active(): boolean;
  changed(rootId: number, key: string, previous: string | null, value: string, now: number): void;
}

interface MembershipRow {
  audience_key: string;
  member: number;
  seq: number;
  entered_ms: number | null;
}

const SQL = {
  publicId: 'SELECT public_id FROM id_fragments WHERE id = ?',
  profileRow: 'SELECT evaluated_ms FROM activation_profiles WHERE profile_id = ?',
  computedOf: 'SELECT computed FROM activation_profiles WHERE profile_id = ?',
  membershipsOf: 'SELECT audience_key, member, seq, entered_ms FROM activation_memberships WHERE profile_id = ?',
  upsertMembership: `INSERT INTO activation_memberships (profile_id, audience_key, member, seq, entered_ms)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT (profile_id, audience_key)
    DO UPDATE SET member = excluded.member, seq = excluded.seq, entered_ms = excluded.entered_ms`,
  insertChange: `INSERT INTO activation_changes (audience_key, profile_id, seq, entered, reason, at_ms, message_id)
    VALUES (?, ?, ?, ?, ?, ?, ?)`,
  upsertProfile: `INSERT INTO activation_profiles
    (profile_id, evaluated_ms, computed, decays, due_ms, lease_owner, lease_until_ms) VALUES (?, ?, ?, ?, ?, NULL, NULL)
    ON CONFLICT (profile_id) DO UPDATE SET evaluated_ms = excluded.evaluated_ms, computed = excluded.computed,
    decays = excluded.decays, due_ms = excluded.due_ms, lease_owner = NULL, lease_until_ms = NULL`,
  unschedule:
    'UPDATE activation_profiles SET due_ms = NULL, lease_owner = NULL, lease_until_ms = NULL WHERE profile_id = ?',
  retire: `UPDATE activation_profiles SET computed = '{}', decays = NULL, due_ms = NULL, lease_owner = NULL,
    lease_until_ms = NULL WHERE profile_id = ?`,
} as const;

export class ActivationWriter {
  readonly #sql: Record<keyof typeof SQL, Statement<unknown[]>>;
  readonly #facts: FactLoader;
  readonly #append: (event: SystemEvent) => void;
  readonly #onComputed: ComputedChangeHook | undefined;

  readonly #bands: ChurnBandTracker | undefined;

  constructor(
    db: Database,
    facts: FactLoader,
    append: (event: SystemEvent) => void,
    onComputed?: ComputedChangeHook,
    bands?: ChurnBandTracker,
  ) {
    this.#bands = bands;
    const prepared: Partial<Record<keyof typeof SQL, Statement<unknown[]>>> = {};
    for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) prepared[name] = db.prepare(SQL[name]);
    this.#sql = prepared as Record<keyof typeof SQL, Statement<unknown[]>>;
    this.#facts = facts;
    this.#append = append;
    this.#onComputed = onComputed;
  }

  /** True once the profile was evaluated (then only relevant events re-evaluate it). */
  wasEvaluated(rootId: number): boolean {
    return this.#sql.profileRow.get(rootId) !== undefined;
  }

  /** Evaluates the canonical profile `rootId` at `now` and writes what changed. */
  evaluate(view: DefinitionsView, rootId: number, reason: AudienceChangeReason, now: number): void {
    const facts = this.#facts.load(view, rootId, now);
    const evaluation = evaluateProfile(view.defs, facts);
    const previous = this.#sql.profileRow.get(rootId) as { evaluated_ms: number } | undefined;

    const values: Record<string, JsonValue> = {};
    let decays: Record<string, ScoreDecay> | null = null;
    for (const [key, computed] of Object.entries(evaluation.computed)) {
      values[key] = computed.value ?? null;
      if (computed.decay) {
        decays ??= {};
        decays[key] = computed.decay;
      }
    }
    if (this.#onComputed?.active()) this.#announceComputed(rootId, values, now);

    const memberships = new Map(
      (this.#sql.membershipsOf.all(rootId) as MembershipRow[]).map((row) => [row.audience_key, row]),
    );
    let publicId: string | null = null;
    for (const [key, membership] of Object.entries(evaluation.audiences)) {
      const row = memberships.get(key);
      const was = row?.member === 1;
      if (membership.member === was) continue;
      const seq = (row?.seq ?? 0) + 1;
      this.#sql.upsertMembership.run(rootId, key, membership.member ? 1 : 0, seq, membership.member ? now : null);
      const meta = view.audienceMeta.get(key);
      if (isSilentBackfillEntry(meta, row !== undefined, rootId, previous?.evaluated_ms)) continue;
      publicId ??= this.#sql.publicId.pluck().get(rootId) as string;
      this.#emit(rootId, publicId, key, meta?.createdMs ?? 0, seq, membership.member, reason, now);
    }

    this.#sql.upsertProfile.run(
      rootId,
      now,
      JSON.stringify(values),
      decays && JSON.stringify(decays),
      earliest(evaluation.nextChangeAt, this.#bands?.track(rootId, facts.churn, now) ?? null),
    );
  }

  /**
   * A profile merged away: it leaves every audience (reason `merge`), its computed values go
   * (the survivor's evaluation carries them) and nothing stays scheduled for it. Its exited
   * memberships stay, so an unmerge continues their seq.
   */
  retire(view: DefinitionsView, rootId: number, reason: AudienceChangeReason, now: number): void {
    const rows = (this.#sql.membershipsOf.all(rootId) as MembershipRow[]).filter((row) => row.member === 1);
    if (rows.length > 0) {
      const publicId = this.#sql.publicId.pluck().get(rootId) as string;
      for (const row of rows) {
        const seq = row.seq + 1;
        this.#sql.upsertMembership.run(rootId, row.audience_key, 0, seq, null);
        const createdMs = view.audienceMeta.get(row.audience_key)?.createdMs ?? 0;
        this.#emit(rootId, publicId, row.audience_key, createdMs, seq, false, reason, now);
      }
    }
    this.#sql.retire.run(rootId);
    this.#bands?.forget(rootId);
  }

  #announceComputed(rootId: number, values: Record<string, JsonValue>, now: number): void {
    const stored = this.#sql.computedOf.pluck().get(rootId) as string | undefined;
    const before = (stored === undefined ? {} : JSON.parse(stored)) as Record<string, JsonValue>;
    for (const change of changedComputedValues(before, values)) {
      this.#onComputed?.changed(rootId, change.key, change.previous, change.value, now);
    }
  }

  /** Forgets a profile's schedule (merged away or gone). */
  unschedule(rootId: number): void {
    this.#sql.unschedule.run(rootId);
  }

  #emit(
    rootId: number,
    publicId: string,
    key: string,
    audienceCreatedMs: number,
    seq: number,
    entered: boolean,
    reason: AudienceChangeReason,
    now: number,
  ): void {
    const event = audienceLifecycleEvent({ key, audienceCreatedMs, publicId, seq, entered, reason, now });
    this.#sql.insertChange.run(key, rootId, seq, entered ? 1 : 0, reason, now, event.messageId);
    this.#append({ fragmentId: rootId, ...event });
  }
}
