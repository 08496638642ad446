/**
 * Engine-neutral pieces of storing activation (issue 9), shared by the SQLite
 * and PostgreSQL stores so their answers cannot drift: definition rows to
 * records and to the cached view evaluation reads, the audience lifecycle
 * event (ids, payload), the silent-backfill rule, and how stored computed
 * values are shown at read time.
 */
import type {
  AudienceChangeReason,
  AudienceDefinition,
  ComputedTraitDefinition,
  JsonValue,
  MessageType,
  SubscriptionChannel,
} from '@exhaust/schema';
import {
  type Definitions,
  readsSubscriptions,
  readsTraits,
  relevantEvents,
  type ScoreDecay,
  scoreAt,
} from '../activation/index.js';
import type { DefinitionKind, DefinitionRecord, DefinitionsSnapshot } from './store.js';

export const AUDIENCE_ENTERED = 'Audience Entered';
export const AUDIENCE_EXITED = 'Audience Exited';

/** One stored definition as both stores keep it (times in epoch ms, the definition as JSON text). */
export interface DefinitionRow {
  kind: DefinitionKind;
  key: string;
  definition: string;
  status: 'backfilling' | 'live';
  created_ms: number;
  updated_ms: number;
  backfill_upto: number;
}

/** What the store knows about an audience beyond its definition, for silent backfill entries. */
export interface AudienceMeta {
  createdMs: number;
  backfillUpto: number;
  emitOnCreate: boolean;
}

/** The definitions as evaluation needs them, read at `version`. */
export interface DefinitionsView {
  version: number;
  /** False when nothing is defined: ingest then does nothing more than this one check. */
  any: boolean;
  defs: Definitions;
  audienceMeta: ReadonlyMap<string, AudienceMeta>;
  relevant: { names: Set<string>; types: Set<MessageType>; all: boolean };
  traits: Set<string>;
  /** Channels `{ subscription }` nodes read; empty when none does. */
  subscriptions: Set<SubscriptionChannel>;
  snapshot: DefinitionsSnapshot;
  anyBackfilling: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toDefinitionRecord<T>(row: DefinitionRow): DefinitionRecord<T> {
  return {
    definition: JSON.parse(row.definition) as T,
    status: row.status,
    createdAt: iso(row.created_ms),
    updatedAt: iso(row.updated_ms),
  };
}

/** The view of every stored definition (rows ordered by creation, then key). */
export function buildDefinitionsView(version: number, rows: readonly DefinitionRow[]): DefinitionsView {
  const computedTraits: DefinitionRecord<ComputedTraitDefinition>[] = [];
  const audiences: DefinitionRecord<AudienceDefinition>[] = [];
  const audienceMeta = new Map<string, AudienceMeta>();
  for (const row of rows) {
    if (row.kind === 'computedTrait') computedTraits.push(toDefinitionRecord(row));
    else {
      const record = toDefinitionRecord<AudienceDefinition>(row);
      audiences.push(record);
      audienceMeta.set(row.key, {
        createdMs: row.created_ms,
        backfillUpto: row.backfill_upto,
        emitOnCreate: record.definition.emitOnCreate === true,
      });
    }
  }
  const defs: Definitions = {
    computedTraits: new Map(computedTraits.map((r) => [r.definition.key, r.definition])),
    audiences: new Map(audiences.map((r) => [r.definition.key, r.definition])),
  };
  return {
    version,
    any: rows.length > 0,
    defs,
    audienceMeta,
    relevant: relevantEvents(defs),
    traits: readsTraits(defs),
    subscriptions: readsSubscriptions(defs),
    snapshot: { version, computedTraits, audiences },
    anyBackfilling: rows.some((row) => row.status === 'backfilling'),
  };
}

/**
 * True when a membership change joins silently: a profile that existed before the audience
 * was created and was not evaluated since joins without an event (the backfill), unless the
 * definition asks for enter events on creation.
 */
export function isSilentBackfillEntry(
  meta: AudienceMeta | undefined,
  hadMembership: boolean,
  rootId: number,
  previousEvaluatedMs: number | undefined,
): boolean {
  return (
    !hadMembership &&
    meta !== undefined &&
    !meta.emitOnCreate &&
    rootId <= meta.backfillUpto &&
    (previousEvaluatedMs === undefined || previousEvaluatedMs <= meta.createdMs)
  );
}

/** An `Audience Entered` / `Audience Exited` event as the store appends it to the profile's timeline. */
export interface AudienceLifecycleEvent {
  messageId: string;
  eventName: string;
  /** ISO 8601, both event time and receivedAt. */
  at: string;
  payload: string;
}

export function audienceLifecycleEvent(change: {
  key: string;
  audienceCreatedMs: number;
  publicId: string;
  seq: number;
  entered: boolean;
  reason: AudienceChangeReason;
  now: number;
}): AudienceLifecycleEvent {
  const { key, publicId, seq, entered, reason } = change;
  // Deterministic: the audience's creation instant keeps ids unique across a delete and re-create,
  // and a second writer of the same change fails on the dedupe key instead of emitting it twice.
  const messageId = `exhaust-audience-${key}-${change.audienceCreatedMs}-${publicId}-${seq}`;
  const at = iso(change.now);
  const eventName = entered ? AUDIENCE_ENTERED : AUDIENCE_EXITED;
  const message = {
    type: 'track',
    event: eventName,
    messageId,
    timestamp: at,
    receivedAt: at,
    properties: { audience_key: key, [key]: entered, reason },
    context: { exhaust: { computation: 'audience', key, seq, profileId: publicId } },
  };
  return { messageId, eventName, at, payload: JSON.stringify(message) };
}

/**
 * The computed values a reader sees: only traits still defined, sorted by key, and a decaying
 * score as it is now, not as it was at the last evaluation (2 decimals, as evaluated).
 */
export function shownComputedValues(
  values: Record<string, JsonValue>,
  decays: Record<string, ScoreDecay>,
  defined: ReadonlyMap<string, unknown>,
  now: number,
): Record<string, JsonValue> {
  const computed: Record<string, JsonValue> = {};
  for (const key of Object.keys(values).sort()) {
    if (!defined.has(key)) continue;
    const decay = decays[key];
    computed[key] = decay ? Math.round(scoreAt(decay, now) * 100) / 100 || 0 : values[key]!;
  }
  return computed;
}

/** The earlier of two optional instants. */
export function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

/** The computed values that changed since `before` (the stored object), as JSON texts; previous null when new. */
export function changedComputedValues(
  before: Record<string, JsonValue>,
  values: Record<string, JsonValue>,
): { key: string; previous: string | null; value: string }[] {
  const changed: { key: string; previous: string | null; value: string }[] = [];
  for (const [key, value] of Object.entries(values)) {
    const previous = key in before ? JSON.stringify(before[key]) : null;
    const text = JSON.stringify(value);
    if (previous !== text) changed.push({ key, previous, value: text });
  }
  return changed;
}
