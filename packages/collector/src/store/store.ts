/**
 * The collector's storage port. Everything above this interface (routes,
 * services) is storage-agnostic: the embedded SQLite store implements it today,
 * a PostgreSQL store will tomorrow, and both must pass `store.contract.ts`.
 * Nothing here may mention SQLite, rowids, statements or transactions.
 */
import type {
  AudienceChange,
  AudienceDefinition,
  AudienceMember,
  ChurnFit,
  ComputedTraitDefinition,
  ConsentRecord,
  DefinitionStatus,
  DeletionRecord,
  DeletionResult,
  EventWarning,
  JsonValue,
  KeyInfo,
  MergeRecord,
  MergeResult,
  Message,
  MessageDecision,
  MessageType,
  Page,
  Profile,
  ProfileActivation,
  RecentRejection,
  Source,
  StoredEvent,
  StreamedEvent,
  SubscriptionChannel,
  SubscriptionHistoryEntry,
  SubscriptionSkipReason,
  SubscriptionSource,
  SubscriptionState,
  SubscriptionStatus,
  SuppressionStat,
  WarningCode,
  WebhookBodyType,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEventType,
  WebhookFilter,
} from '@exhaust/schema';
import type { SubscriptionChange } from '../subscriptions/model.js';
import type { CheckFacts } from '../subscriptions/precedence.js';

/** Rejected messages the store remembers (the newest ones); older ones are forgotten. */
export const MAX_RECENT_REJECTIONS = 1000;

import type { ChurnPurchases } from '../activation/churn/outputs.js';
import type { ExplainNode, PreviewTarget } from '../activation/index.js';

/** A validated, enriched message, ready to be stored. Built by the ingest service. */
export interface IncomingEvent {
  /** Name of the source whose write key sent it. Dedupe is per source. */
  source: string;
  messageId: string;
  type: MessageType;
  /** Collector clock, ISO 8601. */
  receivedAt: string;
  /** Skew-corrected and clamped event time, ISO 8601 (also in `message.timestamp`). */
  timestamp: string;
  /** The message as it will be stored: as sent, plus the collector's enrichment. */
  message: Message;
  /** Warnings decided before storage (e.g. `timestamp_clamped_future`). */
  warnings: EventWarning[];
  /** `message` as JSON text, when the caller already serialized it (spares the store doing it again). */
  payload?: string;
}

export type IngestStatus = 'stored' | 'duplicate' | 'suppressed';

/** What became of one incoming event, in the order they were given. */
export interface IngestOutcome {
  status: IngestStatus;
  /** Canonical profile the event is attached to; null when unattached, duplicate or suppressed. */
  profileId: string | null;
  /** Every warning recorded for this event, including the ones it arrived with. */
  warnings: EventWarning[];
}

export interface EventQuery {
  limit: number;
  cursor?: string | null;
  type?: MessageType;
  /** `event` name of track messages. */
  event?: string;
  /** ISO 8601 bounds on the (corrected) event timestamp: since inclusive, until exclusive. */
  since?: string;
  until?: string;
  /** Every event of the merged profile behind the ref (all its fragments); none when it matches nothing. */
  profile?: ProfileRef;
  /** The message's `userId`, as sent. */
  userId?: string;
  /** The message's `anonymousId`, as sent. */
  anonymousId?: string;
  /** Name of the source whose write key sent the event. */
  source?: string;
  /**
   * Equality on fields of `properties`, keyed by their dotted path below it
   * (`plan`, `address.city`), compared as JSON values: `12` matches `12.0`,
   * never `"12"`. Property values are not indexed: an implementation may
   * bound the rows it examines per call, and then answers a page with fewer
   * than `limit` events (even none) and a `nextCursor` to continue from.
   */
  properties?: Record<string, PropertyValue>;
}

/** A scalar a property filter compares with. */
export type PropertyValue = string | number | boolean | null;

export interface PageQuery {
  limit: number;
  cursor?: string | null;
}

/**
 * A profile reference as the API takes it: a profile id, or an identifier
 * `{ type, value }` (value as sent; the store normalizes it like ingest does).
 */
/** An unsubscribe-link signing key as stored: `secret` is base64url. */
export interface SigningKeyRecord {
  id: string;
  secret: string;
  createdAt: string;
}

export type ProfileRef = { id: string } | { type: string; value: string };

/** What a forced merge did (the wire answer of `POST /v1/merges`). */
export type MergeOutcome = MergeResult;

export interface UnmergeOutcome {
  /** The profile the identifier's fragment now forms on its own. */
  detached: string;
  /** The profile it was detached from. */
  from: string;
}

/** A key as the store keeps it: its sha-256 (hex), never the key. */
export interface NewKey {
  id: string;
  hash: string;
  hint: string;
  createdAt: string;
}

/** Who a key belongs to: a source's write key, an admin key, or a sender key (check and report only). */
export type KeyOwnerRef = { kind: 'write'; sourceId: string } | { kind: 'admin' } | { kind: 'sender' };

export interface NewSource {
  id: string;
  name: string;
  allowedOrigins: string[];
  enabled: boolean;
  createdAt: string;
}

export interface SourceChanges {
  name?: string;
  allowedOrigins?: string[];
  enabled?: boolean;
}

/**
 * The config file's sources and keys, upserted on every start. A config
 * source's id is its name in the file.
 */
export interface AccessSeed {
  at: string;
  sources: { id: string; name: string; allowedOrigins: string[]; writeKeys: NewKey[] }[];
  adminKeys: NewKey[];
}

/** Everything a keyring needs to answer "whose key is this", with the version it was read at. */
export interface AccessSnapshot {
  version: number;
  sources: { id: string; name: string; allowedOrigins: string[]; enabled: boolean }[];
  /** Active (unrevoked) keys only. */
  keys: { hash: string; owner: KeyOwnerRef }[];
}

/** A read of the events stored after a cursor, oldest first (the live stream). */
export interface EventsAfterQuery {
  /** Cursor of the last event already seen; null starts at the newest event (nothing is returned). */
  after: string | null;
  limit: number;
  type?: MessageType;
  event?: string;
  /** Source id. */
  source?: string;
}

export interface EventsAfter {
  data: StreamedEvent[];
  /** Where the next read resumes: the last event's cursor, or `after` (or the head) when none. */
  cursor: string;
}

/** What the store knows about a messageId, stored or not (never a payload of one not stored). */
export interface MessageTrace {
  /** The stored event (the first source that has it). */
  event: StoredEvent | null;
  /** True when some source's messageId was accepted once (stored, suppressed or stored then erased). */
  seen: boolean;
  /** Decisions recorded under the messageId, oldest first. */
  decisions: MessageDecision[];
  /** Recent rejections of messages sent with this messageId, newest first. */
  rejections: RecentRejection[];
}

export interface EventTotals {
  events: number;
  /** Canonical profiles, holding profiles excluded. */
  profiles: number;
  /** Profiles with a userId identifier. */
  identifiedProfiles: number;
}

/** The store's newest event per source name. */
export interface LastEvent {
  source: string;
  messageId: string;
  type: MessageType;
  receivedAt: string;
}

/** One (channel, address), the address normalized. */
export interface SubscriptionKey {
  channel: SubscriptionChannel;
  address: string;
}

/** What a check reads: the channel status, and the topic's when a topic is asked. */
export interface SubscriptionQuery extends SubscriptionKey {
  topic: string | null;
}

/** What became of one subscription change. */
export interface SubscriptionChangeOutcome {
  applied: boolean;
  skipped: SubscriptionSkipReason | null;
}

export interface SubscriptionExportQuery {
  channel?: SubscriptionChannel;
  status?: SubscriptionStatus;
  limit: number;
  cursor?: string | null;
}

/** One kept status (of a channel, or of a topic when `topic` is set), as the export lists it. */
export interface SubscriptionExportRow {
  channel: SubscriptionChannel;
  address: string;
  topic: string | null;
  status: SubscriptionStatus;
  since: string;
  source: SubscriptionSource;
}

export interface EraseOptions {
  /** Put the erased identifiers on the event suppression list (their events are dropped). */
  suppress: boolean;
  /** Put the erased email and phone addresses on the contact suppression list. Default true. */
  suppressContact?: boolean;
}

/** The two kinds of activation definitions; each has its own key space. */
export type DefinitionKind = 'computedTrait' | 'audience';

export type AnyDefinition =
  | { kind: 'computedTrait'; definition: ComputedTraitDefinition }
  | { kind: 'audience'; definition: AudienceDefinition };

/** A stored definition with its lifecycle. Times are ISO 8601. */
export interface DefinitionRecord<T> {
  definition: T;
  status: DefinitionStatus;
  createdAt: string;
  updatedAt: string;
}

/**
 * Every activation definition at one definitions version. The version grows
 * with every create, replace and delete: writers pass the version they
 * validated against, so two concurrent writes cannot build a cycle.
 */
export interface DefinitionsSnapshot {
  version: number;
  computedTraits: DefinitionRecord<ComputedTraitDefinition>[];
  audiences: DefinitionRecord<AudienceDefinition>[];
}

export type SaveDefinitionInput = AnyDefinition & {
  /** `create` fails with `exists` when the key is taken; `replace` with `not_found` when it is not. */
  mode: 'create' | 'replace';
  /** The snapshot version the definition was validated against. */
  expectedVersion: number;
  /** Epoch ms, the definition's createdAt/updatedAt. */
  now: number;
};

export type SaveDefinitionOutcome =
  | { status: 'saved'; record: DefinitionRecord<ComputedTraitDefinition | AudienceDefinition> }
  | { status: 'exists' | 'not_found' | 'version_changed' };

export interface ChangeQuery {
  limit: number;
  /** A `nextCursor` of an earlier answer; absent = from the start. */
  since?: string | null;
  /**
   * The newest `limit` changes, newest first (`since` is ignored); `nextCursor` is still where a
   * poller resumes: after the newest change.
   */
  newest?: boolean;
}

/** What a profile's activation looks like, with the id of the canonical profile it belongs to. */
export interface ProfileActivationState extends ProfileActivation {
  profileId: string;
}

export interface ClaimDueInput {
  /** Epoch ms: rows due at or before it are claimable. */
  now: number;
  /** Who holds the claimed rows (one random id per process). */
  owner: string;
  /** How long the claim holds; another owner may claim the row after that. */
  leaseMs: number;
  limit: number;
}

/** `previewDefinition`: evaluate a definition that is not saved over the newest profiles. */
export interface PreviewDefinitionInput {
  /** Already validated against the current definitions; replaces a saved one of the same key. */
  target: PreviewTarget;
  /** Newest canonical profiles evaluated (the sample). */
  sampleSize: number;
  /** Matching profiles listed in `sample`, newest first. */
  sampleMembers: number;
  /** Epoch ms. */
  now: number;
}

export interface DefinitionPreviewSample {
  /** Canonical profiles (as the backfill evaluates them: every profile that is not merged into another). */
  totalProfiles: number;
  /** Profiles evaluated: the newest `sampleSize`, or all of them. */
  sampled: number;
  /** Sampled profiles in the audience (audience) or with a value (computed trait). */
  matched: number;
  /** Up to `sampleMembers` matching profiles, newest first; `value` for a computed trait. */
  sample: { profileId: string; value?: JsonValue | null }[];
}

export interface BackfillProgress {
  /** Profiles evaluated by this step. */
  evaluated: number;
  /** True while some definition is still backfilling. */
  remaining: boolean;
}

/** A new endpoint, validated; the id and first secret are chosen by the caller. */
export interface CreateWebhookInput {
  id: string;
  url: string;
  events: WebhookEventType[];
  filter: WebhookFilter | null;
  description: string | null;
  enabled: boolean;
  secret: string;
  /** Epoch ms. */
  now: number;
}

/** Fields to change; `enabled: true` also clears `disabledReason` and the failing streak. */
export interface WebhookPatch {
  url?: string;
  events?: WebhookEventType[];
  filter?: WebhookFilter | null;
  description?: string | null;
  enabled?: boolean;
}

export interface RotateSecretInput {
  id: string;
  secret: string;
  now: number;
  /** How long every older secret keeps signing. */
  overlapMs: number;
}

export interface DeliveryQuery {
  limit: number;
  cursor?: string | null;
  status?: WebhookDeliveryStatus;
}

export interface ClaimDeliveriesInput extends ClaimDueInput {
  /** Most deliveries of one endpoint leased at once (across every claimer). */
  concurrencyPerEndpoint: number;
}

/** A leased delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  url: string;
  /** The body, exactly as it must be sent and signed. */
  payload: string;
  /** Attempts made since the delivery was (re)queued: picks the retry delay after a failure. */
  attemptsInRound: number;
  /** Every secret that signs at the claim's `now`, newest first. */
  secrets: string[];
}

/** What one attempt achieved, decided by the delivery worker. */
export type DeliveryVerdict =
  | { kind: 'delivered' }
  /** Epoch ms of the next attempt. */
  | { kind: 'retry'; at: number }
  | { kind: 'failed' }
  /** The receiver said it is gone (410): the delivery fails and the endpoint is disabled. */
  | { kind: 'gone'; reason: string };

export interface RecordAttemptInput {
  id: string;
  /** Only the lease holder records; an attempt by an owner whose lease was taken over is ignored. */
  owner: string;
  /** Epoch ms the attempt started. */
  at: number;
  statusCode: number | null;
  durationMs: number;
  response: string | null;
  error: string | null;
  verdict: DeliveryVerdict;
  /** An endpoint failing every attempt for this long (since its last success) is disabled. */
  disableAfterMs: number;
}

/** `readPurchaseSummaries`: purchases are track events of this name at or before `asOf` (epoch ms). */
export interface PurchaseSummaryQuery {
  event: string;
  /** Monetary property; null: the first of `revenue`, `total`, `value` that is a number. */
  valueProperty: string | null;
  asOf: number;
}

/** One canonical profile's purchases, several on one UTC day counting as one purchase day. */
export interface PurchaseSummaryRow {
  profileId: string;
  /** Distinct UTC days with a purchase (x = purchaseDays − 1). */
  purchaseDays: number;
  /** Epoch ms. */
  firstPurchaseAt: number;
  lastPurchaseAt: number;
  /** Mean over the days that carried a value of that day's summed value; null when none did. */
  meanValue: number | null;
}

/** A fit to keep; `nextRefitAt` re-arms the refit schedule and releases its lease. */
export interface SaveChurnFitInput {
  fit: Omit<ChurnFit, 'id'>;
  /** Epoch ms at which the scheduled refit is next due. */
  nextRefitAt: number;
  /** Epoch ms: profiles whose churn figures the fit changes are made due at this instant. */
  now: number;
}

/** `applyRetention`: which events are past retention. */
export interface RetentionInput {
  /** ISO 8601: events whose corrected timestamp is before it may be removed, never a newer one. */
  before: string;
}

/** What one retention pass removed. */
export interface RetentionResult {
  /** Events removed. */
  events: number;
  /** Whole monthly partitions dropped, oldest first (PostgreSQL); empty where rows are deleted one by one. */
  partitions: string[];
}

export interface Store {
  /**
   * Stores one request's events. Resolves only after they are durably
   * committed; each event is resolved against everything committed before it
   * (identity included) and either all of its effects are written or none.
   */
  ingest(events: IncomingEvent[]): Promise<IngestOutcome[]>;

  /** Newest first, by arrival order at the store (which follows receivedAt unless the clock steps back). */
  listEvents(query: EventQuery): Promise<Page<StoredEvent>>;
  /** The stored event with this messageId (any source unless `source` is given). */
  getEvent(messageId: string, source?: string): Promise<StoredEvent | null>;

  listProfiles(query: PageQuery): Promise<Page<Profile>>;
  /** The canonical profile behind a ref (a merged-away id or identifier answers its survivor). */
  getProfile(ref: ProfileRef): Promise<Profile | null>;
  /** Timeline of the whole merged profile, newest first; null when the ref matches nothing. */
  listProfileEvents(ref: ProfileRef, query: PageQuery): Promise<Page<StoredEvent> | null>;
  /** Merges, refusals and unmerges that touched the profile; null when the ref matches nothing. */
  listMerges(ref: ProfileRef): Promise<MergeRecord[] | null>;

  /**
   * Forced merge (admin): `into` survives. Null when either ref matches nothing;
   * `alreadyMerged` (and nothing written) when both refs are already one profile.
   */
  merge(from: ProfileRef, into: ProfileRef): Promise<MergeOutcome | null>;
  /** Detaches the identifier's fragment from its survivor. Null when the identifier is unknown. */
  unmerge(ref: ProfileRef): Promise<UnmergeOutcome | 'not_merged' | null>;
  /**
   * Erases the whole merged profile, with the subscription states and history
   * of its email and phone addresses (all in one transaction). Null when the
   * ref matches nothing.
   */
  erase(ref: ProfileRef, options: EraseOptions): Promise<DeletionResult | null>;

  /**
   * Applies subscription changes in order, in one transaction: each is kept
   * unless the conflict rule prefers what is kept (`stale`), nothing changes
   * (`unchanged`) or the address is on the contact suppression list (`erased`).
   * Each applied change appends a history row and, when the address is a
   * profile's identifier, a `Subscribed`/`Unsubscribed` event on its timeline.
   */
  changeSubscriptions(changes: SubscriptionChange[], recordedAt: string): Promise<SubscriptionChangeOutcome[]>;
  /** What a check needs, per query, in order. */
  readSubscriptionFacts(queries: SubscriptionQuery[]): Promise<CheckFacts[]>;
  /** The states of the (channel, address) pairs that have any status kept, in the order asked. */
  getSubscriptions(keys: SubscriptionKey[]): Promise<SubscriptionState[]>;
  /** Every change of the (channel, address), oldest first. */
  getSubscriptionHistory(key: SubscriptionKey): Promise<SubscriptionHistoryEntry[]>;
  /** Kept statuses in (channel, address, topic) order, filtered. */
  listSubscriptions(query: SubscriptionExportQuery): Promise<Page<SubscriptionExportRow>>;

  /**
   * Upserts the config file's sources and keys: a config source takes the
   * file's name and origins (its `enabled` stays as set through the API); a
   * config key is added or moved to its owner, but a revoked one stays revoked;
   * a key that came from the config and is no longer in it is revoked.
   */
  seedAccess(seed: AccessSeed): Promise<void>;
  /**
   * The keys that sign one-click unsubscribe links, oldest first (the newest signs, all verify),
   * shared by every collector on the database. Stores the `seed` keys not stored yet (SQLite: the
   * data folder's `signing-keys.json`), then `fallback` when no key is stored at all: the first
   * collector to start creates the key, the others read it.
   */
  loadSigningKeys(input: { seed: SigningKeyRecord[]; fallback: SigningKeyRecord }): Promise<SigningKeyRecord[]>;
  /**
   * The sources and active keys, or null when nothing changed since
   * `knownVersion` (every change below bumps the version). Cheap when unchanged:
   * keyrings of every collector call it about twice a second.
   */
  getAccessSnapshot(knownVersion: number | null): Promise<AccessSnapshot | null>;
  /** Every source, oldest first, each with all its keys (revoked included). */
  listSources(): Promise<Source[]>;
  getSource(id: string): Promise<Source | null>;
  /** `name_taken` when another source has this name. */
  createSource(source: NewSource): Promise<Source | 'name_taken'>;
  /** Null when the source is unknown; `name_taken` when another source has the new name. */
  updateSource(id: string, changes: SourceChanges, at: string): Promise<Source | null | 'name_taken'>;
  /** Null when the owner is a source that does not exist. */
  addKey(owner: KeyOwnerRef, key: NewKey): Promise<KeyInfo | null>;
  /**
   * Revokes a key of this owner (again: answers it unchanged). Null when the
   * owner has no such key; `last_admin_key` when it is the last active admin key.
   */
  revokeKey(owner: KeyOwnerRef, keyId: string, at: string): Promise<KeyInfo | null | 'last_admin_key'>;
  /** Every admin key, oldest first, revoked included. */
  listAdminKeys(): Promise<KeyInfo[]>;
  /** Erasure records, newest first: counts and time, never identifiers. */
  listDeletions(query: PageQuery): Promise<Page<DeletionRecord>>;
  /**
   * Suppression entries that dropped at least one event, most recent drop
   * first: a prefix of the entry's hash, how many events it dropped, and when
   * it last did. Never the identifier.
   */
  listSuppressionStats(query: PageQuery): Promise<Page<SuppressionStat>>;

  /**
   * Remembers rejected messages (code, path, message, source, time; never the
   * payload), keeping only the newest `MAX_RECENT_REJECTIONS`.
   */
  recordRejections(rejections: RecentRejection[]): Promise<void>;
  /** Newest first. */
  listRejections(limit: number): Promise<RecentRejection[]>;
  /** Events stored after a cursor, oldest first, for the live stream. */
  readEventsAfter(query: EventsAfterQuery): Promise<EventsAfter>;
  /** The stored event of a messageId, or the decisions that kept it out. */
  traceMessage(messageId: string): Promise<MessageTrace>;
  /** Events received per minute since `since` (ISO): minute (`YYYY-MM-DDTHH:MM`, UTC) -> count, empty minutes left out. */
  countEventsPerMinute(since: string): Promise<Record<string, number>>;
  getTotals(): Promise<EventTotals>;
  /** Warnings recorded at or after `since`, per code, most frequent first. */
  summarizeWarnings(since: string): Promise<{ code: WarningCode; count: number; lastAt: string }[]>;
  /** The newest stored event of every source that has one. */
  lastEventPerSource(): Promise<LastEvent[]>;
  /**
   * Profiles matching a search: a profile id, `type:value`, an identifier value
   * or a trait value (whole, case-insensitive, or as a prefix). Newest profiles first.
   */
  searchProfiles(query: string, limit: number): Promise<Profile[]>;
  /** The consent decisions of the whole merged profile, oldest first; null when the ref matches nothing. */
  listConsentHistory(ref: ProfileRef): Promise<ConsentRecord[] | null>;

  /** What backs the store (`sqlite`, later `postgres`), for the settings page. */
  describe(): Promise<{ kind: string }>;
  /** Every sender key, oldest first, revoked included. */
  listSenderKeys(): Promise<KeyInfo[]>;

  // --- Activation (issue 9): definitions, state, scheduled re-evaluation, backfill ---

  /** Every definition and the definitions version. */
  getDefinitions(): Promise<DefinitionsSnapshot>;
  /**
   * Creates or replaces a definition (already validated against `expectedVersion`) and
   * starts its backfill: status `backfilling` until every stored profile is evaluated.
   */
  saveDefinition(input: SaveDefinitionInput): Promise<SaveDefinitionOutcome>;
  /** Deletes a definition and every value or membership derived from it (no lifecycle events). */
  deleteDefinition(input: {
    kind: DefinitionKind;
    key: string;
    expectedVersion: number;
  }): Promise<'deleted' | 'not_found' | 'version_changed'>;
  /** Computed values and memberships of the canonical profile behind a ref; null when the ref matches nothing. */
  getProfileActivation(ref: ProfileRef): Promise<ProfileActivationState | null>;
  /** Current members, oldest profile first; null when the audience is unknown. */
  listAudienceMembers(key: string, query: PageQuery): Promise<Page<AudienceMember> | null>;
  /**
   * Changes of membership in recording order after `since`; `nextCursor` is where to resume
   * (never null, so a poller can always continue). Null when the audience is unknown.
   */
  listAudienceChanges(key: string, query: ChangeQuery): Promise<Page<AudienceChange> | null>;
  /** Member count per audience key. */
  audienceSizes(): Promise<Record<string, number>>;
  /** The audience's condition tree evaluated for the profile at `now` (epoch ms). */
  explainAudience(
    ref: ProfileRef,
    key: string,
    now: number,
  ): Promise<{ profileId: string; explain: ExplainNode } | 'unknown_audience' | null>;
  /**
   * Evaluates a definition that is not saved over the newest `sampleSize` canonical profiles,
   * reading their stored events and traits; writes nothing.
   */
  previewDefinition(input: PreviewDefinitionInput): Promise<DefinitionPreviewSample>;
  /** Leases profiles whose next change is due; answers their profile ids. */
  claimDue(input: ClaimDueInput): Promise<string[]>;
  /**
   * Re-evaluates claimed profiles at `now` (reason `time`), writes what changed and
   * their next due time, and releases the owner's lease. Answers how many were evaluated.
   */
  reevaluate(input: { profileIds: string[]; owner: string; now: number }): Promise<number>;
  /** Epoch ms of the earliest due (or lease expiry) row; null when nothing is scheduled. */
  nextDueAt(): Promise<number | null>;
  /** Evaluates the next chunk of profiles for definitions still backfilling (in one transaction). */
  backfillStep(input: { now: number; limit: number }): Promise<BackfillProgress>;

  // --- Churn (issue 12): purchase summaries, fits kept with their time, the leased refit schedule ---

  /** Per canonical profile with a purchase, its purchase summary: one aggregated query, profile id order. */
  readPurchaseSummaries(query: PurchaseSummaryQuery): Promise<PurchaseSummaryRow[]>;
  /**
   * The current fit and the purchases of the canonical profile behind a ref, summarised at `now` with
   * the fit's event and value property (purchases null without a fit or a purchase). Null when the
   * ref matches nothing.
   */
  getProfileChurnFacts(
    ref: ProfileRef,
    now: number,
  ): Promise<{ profileId: string; fit: ChurnFit | null; purchases: ChurnPurchases | null } | null>;
  /**
   * Keeps a fit (it becomes the current one), re-arms the refit schedule, and makes every evaluated
   * profile due at `now` when some audience reads churn or bands are tracked (new parameters move
   * every figure).
   */
  saveChurnFit(input: SaveChurnFitInput): Promise<ChurnFit>;
  /** The newest fit; null before the first. */
  getChurnFit(): Promise<ChurnFit | null>;
  /** Newest first. */
  listChurnFits(limit: number): Promise<ChurnFit[]>;
  /** Leases the refit when it is due (and not leased by a live claimer); true when this owner holds it. */
  claimChurnRefit(input: { now: number; owner: string; leaseMs: number }): Promise<boolean>;
  /** Epoch ms the refit is next due (or its lease ends). */
  nextChurnRefitAt(): Promise<number>;

  // --- Webhooks (issue 10): endpoints, the outbox the store fills in the transactions that cause
  // each change (ingest, merge, unmerge, erase, audience and computed changes), leased delivery ---

  createWebhook(input: CreateWebhookInput): Promise<WebhookEndpoint>;
  /** Oldest first. */
  listWebhooks(): Promise<WebhookEndpoint[]>;
  getWebhook(id: string): Promise<WebhookEndpoint | null>;
  updateWebhook(id: string, patch: WebhookPatch, now: number): Promise<WebhookEndpoint | null>;
  /** Deletes the endpoint with its deliveries and their attempts. */
  deleteWebhook(id: string): Promise<boolean>;
  /** Adds a signing secret; older ones keep signing for `overlapMs`. False when the endpoint is unknown. */
  rotateWebhookSecret(input: RotateSecretInput): Promise<boolean>;
  /** Queues one delivery for one endpoint whatever it subscribes to (the test ping); answers its id. */
  enqueueWebhook(input: {
    endpointId: string;
    type: WebhookBodyType;
    data: unknown;
    now: number;
  }): Promise<string | null>;
  /** Newest first, with every attempt; null when the endpoint is unknown. */
  listDeliveries(endpointId: string, query: DeliveryQuery): Promise<Page<WebhookDelivery> | null>;
  /** Makes one delivery due now (any status); its retry schedule starts over. */
  retryDelivery(input: { endpointId: string; deliveryId: string; now: number }): Promise<boolean>;
  /** Re-queues every failed delivery created in [since, until); answers how many, or null for an unknown endpoint. */
  replayDeliveries(input: { endpointId: string; since: number; until: number; now: number }): Promise<number | null>;
  /**
   * Leases due pending deliveries of enabled endpoints, oldest due first, at most
   * `concurrencyPerEndpoint` leased per endpoint, and never one whose ordering key
   * (profile and audience) has an earlier pending delivery to the same endpoint.
   */
  claimDeliveries(input: ClaimDeliveriesInput): Promise<ClaimedDelivery[]>;
  /** Records attempts and their verdicts, releasing the leases (one transaction for them all). */
  recordDeliveryAttempts(inputs: RecordAttemptInput[]): Promise<void>;
  /** Epoch ms of the earliest pending delivery's next attempt (or lease expiry); null when none. */
  nextDeliveryAt(): Promise<number | null>;

  // --- Retention (issue 14): events past the configured age go; the golden record stays ---

  /**
   * Removes events whose corrected timestamp is before `before`, in short steps so that ingest
   * never waits long. Profiles, identifiers, traits, consent and merges are kept (a timeline then
   * starts at the oldest kept event), and so is the dedupe record of every messageId: a replayed
   * old message stays a duplicate. An implementation may keep some older events (PostgreSQL drops
   * whole months only) but never removes a newer one. Safe to run from several collectors at once.
   */
  applyRetention(input: RetentionInput): Promise<RetentionResult>;

  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Finishes and commits everything in flight, then closes. Idempotent. */
  close(): Promise<void>;
}
