/**
 * Applies one evaluation of one canonical profile in PostgreSQL: diffs the
 * pure engine's answer against the stored state and writes what changed
 * (computed values, memberships with their per-(profile, audience) seq, the
 * change log, one `Audience Entered` / `Audience Exited` event per change)
 * and the profile's next due instant. Runs inside the caller's transaction
 * with the profile's root lock held (see index.ts), so two collectors
 * evaluating one profile take turns and the second sees the first's writes.
 */
import type { AudienceChangeReason, JsonValue } from '@exhaust/schema';
import { evaluateProfile, type ScoreDecay } from '../../../activation/index.js';
import {
  audienceLifecycleEvent,
  changedComputedValues,
  type DefinitionsView,
  earliest,
  isSilentBackfillEntry,
} from '../../activation-records.js';
import { appendSystemEvent } from '../events.js';
import type { Queryable } from '../pool.js';
import type { FactLoader } from './facts.js';
import type { FeedNumbering } from './feed.js';
import type { ActivationHooks } from './hooks.js';

interface MembershipRow {
  audience_key: string;
  member: boolean;
  seq: number;
}

async function publicIdOf(db: Queryable, rootId: number): Promise<string> {
  const { rows } = await db.query<{ public_id: string }>({
    name: 'activation_public_id',
    text: 'SELECT public_id FROM id_fragments WHERE id = $1',
    values: [rootId],
  });
  return rows[0]!.public_id;
}

async function membershipsOf(db: Queryable, rootId: number): Promise<MembershipRow[]> {
  const { rows } = await db.query<MembershipRow>({
    name: 'activation_memberships_of',
    text: 'SELECT audience_key, member, seq FROM activation_memberships WHERE profile_id = $1',
    values: [rootId],
  });
  return rows;
}

async function upsertMembership(
  db: Queryable,
  rootId: number,
  key: string,
  member: boolean,
  seq: number,
  enteredMs: number | null,
): Promise<void> {
  await db.query({
    name: 'activation_upsert_membership',
    text: `INSERT INTO activation_memberships (profile_id, audience_key, member, seq, entered_ms)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (profile_id, audience_key)
           DO UPDATE SET member = excluded.member, seq = excluded.seq, entered_ms = excluded.entered_ms`,
    values: [rootId, key, member, seq, enteredMs],
  });
}

export class ActivationWriter {
  readonly #facts: FactLoader;
  readonly #hooks: ActivationHooks;
  readonly #feed: FeedNumbering;

  constructor(facts: FactLoader, hooks: ActivationHooks, feed: FeedNumbering) {
    this.#facts = facts;
    this.#hooks = hooks;
    this.#feed = feed;
  }

  /** True once the profile was evaluated (then only relevant events re-evaluate it). */
  async wasEvaluated(db: Queryable, rootId: number): Promise<boolean> {
    const { rowCount } = await db.query({
      name: 'activation_was_evaluated',
      text: 'SELECT 1 FROM activation_profiles WHERE profile_id = $1',
      values: [rootId],
    });
    return (rowCount ?? 0) > 0;
  }

  /** Evaluates the canonical profile `rootId` at `now` and writes what changed. */
  async evaluate(
    db: Queryable,
    view: DefinitionsView,
    rootId: number,
    reason: AudienceChangeReason,
    now: number,
  ): Promise<void> {
    const facts = await this.#facts.load(db, view, rootId, now);
    const evaluation = evaluateProfile(view.defs, facts);
    const previous = (
      await db.query<{ evaluated_ms: number; computed: string }>({
        name: 'activation_profile_row',
        text: 'SELECT evaluated_ms, computed FROM activation_profiles WHERE profile_id = $1',
        values: [rootId],
      })
    ).rows[0];

    const values: Record<string, JsonValue> = {};
    let decays: Record<string, ScoreDecay> | null = null;
    for (const [key, computed] of Object.entries(evaluation.computed)) {
      values[key] = computed.value ?? null;
      if (computed.decay) {
        decays ??= {};
        decays[key] = computed.decay;
      }
    }
    const hook = this.#hooks.computed;
    if (hook?.active()) {
      const before = (previous ? JSON.parse(previous.computed) : {}) as Record<string, JsonValue>;
      for (const change of changedComputedValues(before, values)) {
        await hook.changed(db, rootId, change.key, change.previous, change.value, now);
      }
    }

    const memberships = new Map((await membershipsOf(db, rootId)).map((row) => [row.audience_key, row]));
    let publicId: string | null = null;
    for (const [key, membership] of Object.entries(evaluation.audiences)) {
      const row = memberships.get(key);
      const was = row?.member === true;
      if (membership.member === was) continue;
      const seq = (row?.seq ?? 0) + 1;
      await upsertMembership(db, rootId, key, membership.member, seq, membership.member ? now : null);
      const meta = view.audienceMeta.get(key);
      if (isSilentBackfillEntry(meta, row !== undefined, rootId, previous?.evaluated_ms)) continue;
      publicId ??= await publicIdOf(db, rootId);
      await this.#emit(db, rootId, publicId, key, meta?.createdMs ?? 0, seq, membership.member, reason, now);
    }

    const bands = this.#hooks.churn?.bands;
    const bandChangeAt = bands?.active() ? await bands.track(db, rootId, facts.churn ?? null, now) : null;
    await db.query({
      name: 'activation_upsert_profile',
      text: `INSERT INTO activation_profiles
             (profile_id, evaluated_ms, computed, decays, due_ms, lease_owner, lease_until_ms)
             VALUES ($1, $2, $3, $4, $5, NULL, NULL)
             ON CONFLICT (profile_id) DO UPDATE SET evaluated_ms = excluded.evaluated_ms, computed = excluded.computed,
             decays = excluded.decays, due_ms = excluded.due_ms, lease_owner = NULL, lease_until_ms = NULL`,
      values: [
        rootId,
        now,
        JSON.stringify(values),
        decays && JSON.stringify(decays),
        earliest(evaluation.nextChangeAt, bandChangeAt),
      ],
    });
  }

  /**
   * A profile merged away: it leaves every audience (reason `merge`), its computed values go
   * (the survivor's evaluation carries them) and nothing stays scheduled for it. Its exited
   * memberships stay, so an unmerge continues their seq.
   */
  async retire(db: Queryable, view: DefinitionsView, rootId: number, reason: AudienceChangeReason, now: number) {
    const rows = (await membershipsOf(db, rootId)).filter((row) => row.member);
    if (rows.length > 0) {
      const publicId = await publicIdOf(db, rootId);
      for (const row of rows) {
        const seq = row.seq + 1;
        await upsertMembership(db, rootId, row.audience_key, false, seq, null);
        const createdMs = view.audienceMeta.get(row.audience_key)?.createdMs ?? 0;
        await this.#emit(db, rootId, publicId, row.audience_key, createdMs, seq, false, reason, now);
      }
    }
    await db.query(
      `UPDATE activation_profiles SET computed = '{}', decays = NULL, due_ms = NULL, lease_owner = NULL,
       lease_until_ms = NULL WHERE profile_id = $1`,
      [rootId],
    );
    await this.#hooks.churn?.bands?.forget(db, rootId);
  }

  /** Forgets a profile's schedule (merged away or gone). */
  async unschedule(db: Queryable, rootId: number): Promise<void> {
    await db.query(
      'UPDATE activation_profiles SET due_ms = NULL, lease_owner = NULL, lease_until_ms = NULL WHERE profile_id = $1',
      [rootId],
    );
  }

  async #emit(
    db: Queryable,
    rootId: number,
    publicId: string,
    key: string,
    audienceCreatedMs: number,
    seq: number,
    entered: boolean,
    reason: AudienceChangeReason,
    now: number,
  ): Promise<void> {
    const event = audienceLifecycleEvent({ key, audienceCreatedMs, publicId, seq, entered, reason, now });
    await db.query({
      name: 'activation_insert_change',
      text: `INSERT INTO activation_changes (audience_key, profile_id, seq, entered, reason, at_ms, message_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      values: [key, rootId, seq, entered, reason, now, event.messageId],
    });
    this.#feed.wrote(db);
    const appended = { fragmentId: rootId, ...event };
    await appendSystemEvent(db, appended);
    await this.#hooks.lifecycle?.appended(db, appended);
  }
}
