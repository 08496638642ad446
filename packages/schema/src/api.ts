/**
 * Shapes of the collector's HTTP answers, shared by the collector (which
 * produces them) and clients and tests (which read them).
 */

import type { AudienceDefinition, ComputedTraitDefinition } from './activation.js';
import type {
  ApiErrorCode,
  AudienceChangeReason,
  IngestLimits,
  MergeReason,
  RejectionCode,
  SubscriptionChannel,
  SubscriptionReason,
  SubscriptionSkipReason,
  SubscriptionSource,
  SubscriptionStatus,
  WarningCode,
} from './constants.js';
import type { JsonObject, JsonValue, Message, MessageType } from './messages.js';

/** One problem with a request, naming the field by its path. */
export interface ApiIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/** Every 4xx/5xx answer has this body. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: ApiIssue[] };
}

/** One message of a batch that was refused, and why. */
export interface RejectedMessage {
  index: number;
  messageId: string | null;
  code: RejectionCode;
  path: (string | number)[];
  message: string;
}

/**
 * The 200 answer to an ingest request. Every message sent is counted once:
 * `accepted + duplicates + suppressed + rejected.length` is the number of messages in the request.
 */
export interface IngestResponse {
  /**
   * Segment's field, true on every 200: the request was read and every message in it settled, so
   * nothing is to be sent again. It does not mean every message was stored: see `rejected`.
   */
  success: true;
  /** Messages newly stored. */
  accepted: number;
  /** Messages whose messageId the source had sent before: acknowledged, not stored again. */
  duplicates: number;
  /** Messages dropped whole because they carry an identifier erased with `suppress=true`. */
  suppressed: number;
  /** Messages refused for good (they will never be accepted): do not send them again. */
  rejected: RejectedMessage[];
}

export interface EventWarning {
  code: WarningCode;
  detail: string | null;
}

/** An event as the admin API returns it: the message as stored, plus what the collector added. */
export interface StoredEvent {
  messageId: string;
  type: MessageType;
  source: string;
  receivedAt: string;
  /** The canonical profile the event belongs to, or null when unattached. */
  profileId: string | null;
  warnings: EventWarning[];
  message: Message;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface ProfileIdentifier {
  type: string;
  value: string;
  firstSeen: string;
  contested: boolean;
}

export interface ConsentState {
  [category: string]: { granted: boolean; at: string };
}

export interface Profile {
  id: string;
  identifiers: ProfileIdentifier[];
  traits: JsonObject;
  traitTimestamps: Record<string, string>;
  consent: ConsentState;
  firstSeen: string;
  lastSeen: string;
  eventCount: number;
  holdingFor: string | null;
  /**
   * Only in `GET /v1/profiles/{ref}`: the subscription states of the profile's email and phone
   * addresses that have any status kept (they belong to the addresses, not to the profile).
   */
  subscriptions?: SubscriptionState[];
}

/**
 * One entry of a profile's merge history: a merge (`active` until undone), the
 * record of an unmerge, or a link that was refused (`refused` names the warning code).
 */
export interface MergeRecord {
  survivor: string;
  merged: string;
  messageId: string | null;
  reason: MergeReason;
  active: boolean;
  refused: WarningCode | null;
  at: string;
}

/**
 * The answer to a forced merge (`POST /v1/merges`). Repeating it once the two
 * refs are one profile is not an error: `alreadyMerged` is true and `merged`
 * is null (nothing was merged by this request), so a retried request is safe.
 */
export interface MergeResult {
  /** The canonical profile both refs now answer with. */
  survivor: string;
  /** The profile merged into `survivor` by this request; null when `alreadyMerged`. */
  merged: string | null;
  alreadyMerged: boolean;
}

export interface DeletionResult {
  deletionId: string;
  profiles: number;
  identifiers: number;
  events: number;
  traitWrites: number;
  consentRecords: number;
  merges: number;
  suppressed: number;
  /** Subscription states and history rows of the profile's addresses deleted. */
  subscriptions: number;
  /** Addresses put on the contact suppression list (`suppressContact`, on by default). */
  contactSuppressed: number;
}

/**
 * A write or admin key as the admin API lists it. The key itself is shown
 * once, when created (`CreatedKey`); the collector keeps only its sha-256.
 */
export interface KeyInfo {
  /** `key_...`: names the key in the API (revocation); not the key. */
  id: string;
  /** The key's prefix and last 4 characters, to tell keys apart: `wk_…9f3c`. */
  hint: string;
  /** True for keys from the config file (or environment), upserted on every start. */
  fromConfig: boolean;
  createdAt: string;
  /** When it stopped working; null while active. */
  revokedAt: string | null;
}

/** The answer to a key creation: the only time the key can be read. */
export interface CreatedKey extends KeyInfo {
  key: string;
}

/** A source: who sends events, from which browser origins, with which write keys. */
export interface Source {
  /**
   * Stable id, recorded as each event's `source` (dedupe is per source). For a
   * source from the config file, its `name` there; `src_...` for API-created ones.
   */
  id: string;
  name: string;
  /** Browser origins allowed to send with the source's keys; `*` allows any. */
  allowedOrigins: string[];
  /** A disabled source's keys answer 403 `source_disabled` on ingest. */
  enabled: boolean;
  fromConfig: boolean;
  createdAt: string;
  updatedAt: string;
  /** Every key it ever had, revoked ones included, oldest first. */
  keys: KeyInfo[];
}

/** Body of `POST /v1/sources`. */
export interface SourceCreateRequest {
  name: string;
  /** Default: none (server-side senders only). */
  allowedOrigins?: string[];
  /** Default true. */
  enabled?: boolean;
}

/** Body of `PATCH /v1/sources/{id}`: the fields to change. */
export type SourceUpdateRequest = Partial<SourceCreateRequest>;

/** One erasure in the audit log: when and how much, never whom. */
export interface DeletionRecord extends DeletionResult {
  /** When the erasure ran (collector clock, ISO 8601). */
  at: string;
  /** Events dropped since then because they carried an identifier this erasure suppressed. */
  droppedEvents: number;
}

/** Drops counted on one suppression entry; the entry is named by a prefix of its sha-256, never by the identifier. */
export interface SuppressionStat {
  /** First hex characters of sha-256 of `type:value`, as in the `suppressed` warning's detail. */
  hashPrefix: string;
  droppedEvents: number;
  /** receivedAt of the last event this entry dropped. */
  lastDroppedAt: string;
}

/** A message a batch refused, as the collector remembers it (never its payload). */
export interface RecentRejection {
  /** Id of the source whose key sent it. */
  source: string;
  /** The messageId it was sent with, if it had one. */
  messageId: string | null;
  code: RejectionCode;
  path: (string | number)[];
  message: string;
  at: string;
}

/** Events received per minute from `start` (a whole minute, UTC): `counts[i]` is minute `start + i`. */
export interface MinuteSeries {
  start: string;
  counts: number[];
}

/** One ingestion warning code seen recently, with how often and when last. */
export interface WarningSummary {
  code: WarningCode;
  count: number;
  lastAt: string;
}

/** A source with the last event it sent, if any is still stored. */
export interface SourceActivity {
  id: string;
  name: string;
  enabled: boolean;
  lastEvent: { messageId: string; type: MessageType; receivedAt: string } | null;
}

/** `GET /v1/stats/overview`: what the console's first page shows. */
export interface OverviewStats {
  generatedAt: string;
  eventsPerMinute: { lastHour: MinuteSeries; lastDay: MinuteSeries };
  totals: {
    events: number;
    /** Canonical profiles, holding profiles excluded. */
    profiles: number;
    /** Profiles with a userId. */
    identifiedProfiles: number;
    /** identifiedProfiles / profiles, 0 when there are none. */
    identifiedShare: number;
  };
  /** Warning codes recorded in the last 24 hours, most frequent first. */
  warnings: WarningSummary[];
  /** Newest rejected messages first. */
  rejections: RecentRejection[];
  sources: SourceActivity[];
}

/** An event of `GET /v1/stream`, with the cursor to resume after it (its SSE `id`). */
export interface StreamedEvent extends StoredEvent {
  cursor: string;
}

/** One decision recorded about a message (a duplicate, a suppression, a warning), without its payload. */
export interface MessageDecision {
  source: string;
  code: WarningCode;
  detail: string | null;
  at: string;
}

/**
 * The 404 of `GET /v1/events/{messageId}` when nothing is stored under it:
 * what became of it, when the collector knows. `fate`: `duplicate` (an earlier
 * copy was stored, then erased), `suppressed` (it carried an erased identifier),
 * `erased` (stored once, erased since), `rejected` (refused by validation),
 * `unknown` (never received, or its record is gone).
 */
export interface EventNotFoundBody {
  error: {
    code: 'event_not_found';
    message: string;
    fate: 'duplicate' | 'suppressed' | 'erased' | 'rejected' | 'unknown';
    warnings: MessageDecision[];
    rejections: RecentRejection[];
  };
}

/** One consent decision of a profile's history, oldest first. */
export interface ConsentRecord {
  category: string;
  granted: boolean;
  /** The event's (corrected) timestamp. */
  at: string;
  messageId: string;
}

/** `GET /v1/settings`: what the collector runs with, read only; keys appear as hints only. */
export interface CollectorSettings {
  store: { kind: string };
  sources: Source[];
  limits: IngestLimits;
  identity: {
    contestedMode: string;
    maxMergesPerProfile: number;
    maxValueLength: number;
    limits: Record<string, number>;
    priorities: Record<string, number>;
    customLimit: number;
    customPriority: number;
    blockedValues: Record<string, string[]>;
    blockedPatterns: Record<string, string[]>;
  };
}

/** What a person was shown and from where they agreed, kept with a `subscribed` status. */
export interface SubscriptionProof {
  /** The IP address the consent came from. */
  ip?: string;
  /** The text shown when they agreed. */
  text?: string;
}

/** A topic's status for one address. */
export interface TopicSubscription {
  status: SubscriptionStatus;
  since: string;
  source: SubscriptionSource;
}

/** The subscription state of one (channel, address): its channel status and each topic it has a status for. */
export interface SubscriptionState {
  channel: SubscriptionChannel;
  /** Normalized: lower-cased email, E.164-style phone. */
  address: string;
  /** `none` when nothing was ever recorded. */
  status: SubscriptionStatus;
  /** When the channel status was set; null for `none` never set. */
  since: string | null;
  source: SubscriptionSource | null;
  proof: SubscriptionProof | null;
  topics: Record<string, TopicSubscription>;
}

/** One change of a channel status (`topic` null) or a topic status, append-only. */
export interface SubscriptionHistoryEntry {
  topic: string | null;
  status: SubscriptionStatus;
  previous: SubscriptionStatus;
  source: SubscriptionSource;
  /** When the change happened (the time that decides conflicts). */
  at: string;
  /** When the collector recorded it. */
  recordedAt: string;
  proof: SubscriptionProof | null;
}

/** `GET /v1/subscriptions/{channel}/{address}`. */
export interface SubscriptionRecord extends SubscriptionState {
  /** Oldest first. */
  history: SubscriptionHistoryEntry[];
}

/** The answer of `GET /v1/subscriptions/check`, one element of the bulk answer's `data`. */
export interface SubscriptionCheckResult {
  channel: SubscriptionChannel;
  address: string;
  topic: string | null;
  /** May this address be contacted on this channel (about this topic)? */
  allowed: boolean;
  /** Channel status. */
  status: SubscriptionStatus;
  /** The topic's status; null when no topic was asked. */
  topicStatus: SubscriptionStatus | null;
  reason: SubscriptionReason;
  /** When the deciding status was set; null when nothing is recorded. */
  since: string | null;
  source: SubscriptionSource | null;
}

/** Body of `PUT /v1/subscriptions/{channel}/{address}`. */
export interface SubscriptionUpdateRequest {
  /** Channel status; leave out to change topics only. */
  status?: SubscriptionStatus;
  topics?: Record<string, 'subscribed' | 'unsubscribed' | 'none'>;
  source: SubscriptionSource;
  /** When the change happened; default now. Decides conflicts with other changes. */
  at?: string;
  proof?: SubscriptionProof;
}

/** What became of one requested change. */
export interface SubscriptionChangeResult {
  topic: string | null;
  status: SubscriptionStatus;
  applied: boolean;
  /** Why it was not applied: an older change than the one kept (`stale`), an erased address, or no change. */
  skipped: SubscriptionSkipReason | null;
}

/** The answer of `PUT /v1/subscriptions/{channel}/{address}` and `POST /v1/subscriptions/report`. */
export interface SubscriptionUpdateResult {
  state: SubscriptionState;
  changes: SubscriptionChangeResult[];
}

/** The answer of `POST /v1/subscriptions/links`: what a sender puts in its mail. */
export interface SubscriptionLink {
  url: string;
  headers: { 'List-Unsubscribe': string; 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** The answer of `POST /v1/subscriptions/import`. */
export interface SubscriptionImportResult {
  /** Rows whose change was applied. */
  applied: number;
  /** Rows not applied, by CSV line (1 = the header), with why. */
  skipped: { line: number; reason: SubscriptionSkipReason | 'invalid'; message?: string }[];
}

/** Progress of a computed trait or audience: `backfilling` while stored profiles are being (re)evaluated. */
export type DefinitionStatus = 'backfilling' | 'live';

/** What the collector adds to a stored definition. */
export interface DefinitionMeta {
  status: DefinitionStatus;
  createdAt: string;
  updatedAt: string;
}

/** A computed trait as `/v1/computed-traits` answers it. */
export type ComputedTraitResource = ComputedTraitDefinition & DefinitionMeta;

/** An audience as `/v1/audiences` answers it; `size` is its current member count. */
export type AudienceResource = AudienceDefinition & DefinitionMeta & { size: number };

/** One member of `GET /v1/audiences/{key}/members`. */
export interface AudienceMember {
  profileId: string;
  enteredAt: string;
}

/** One entry of `GET /v1/audiences/{key}/changes`: exactly one `Audience Entered` / `Audience Exited` event. */
export interface AudienceChange {
  profileId: string;
  /** Per (profile, audience), increasing by one with each change of membership. */
  seq: number;
  change: 'entered' | 'exited';
  reason: AudienceChangeReason;
  /** When the change was recorded. */
  at: string;
  /** `messageId` of the lifecycle event on the profile's timeline. */
  messageId: string;
}

/** What `GET /v1/profiles/{ref}` adds to a profile: computed traits and audience memberships. */
export interface ProfileActivation {
  computed: Record<string, JsonValue>;
  /** When the computed values were last evaluated; null before the first evaluation. */
  computedAt: string | null;
  audiences: { key: string; enteredAt: string }[];
}

/** `GET /v1/profiles/{ref}`. */
export type ProfileView = Profile & ProfileActivation;
