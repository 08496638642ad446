/**
 * Limits and codes shared by the collector and the SDKs. This module imports
 * nothing, so an SDK can take values from `@exhaust/schema/constants` without
 * pulling zod into a bundle.
 */

/** Largest request body the collector reads, after gzip is undone (Segment: 500 KB). */
export const MAX_BODY_BYTES = 512 * 1024;
/** Largest gzip-compressed body accepted before inflating. */
export const MAX_COMPRESSED_BODY_BYTES = 512 * 1024;
/** Most messages in one `/v1/batch` request. */
export const MAX_BATCH_EVENTS = 1000;
/** Largest single message, serialized as JSON (Segment: 32 KB). */
export const MAX_EVENT_BYTES = 32 * 1024;
/** Deepest nesting of objects/arrays inside `properties`, `traits` or `context`. */
export const MAX_PROPERTY_DEPTH = 10;
/** Longest string value (in UTF-16 code units) anywhere in a message. */
export const MAX_STRING_LENGTH = 8 * 1024;
/** Most keys in any one object inside a message. */
export const MAX_OBJECT_KEYS = 300;
/** Longest `event` name, identifier or other short wire field. */
export const MAX_NAME_LENGTH = 255;
/** Timestamps further ahead of the collector's clock than this are clamped to `receivedAt`. */
export const MAX_FUTURE_SKEW_MS = 23 * 60 * 60 * 1000;
/**
 * Largest gap between a request's `sentAt` and its `receivedAt`, either way, taken for transit and
 * ordinary clock drift: within it the device's timestamps are stored as sent, so calls from one
 * client keep the order it made them in. Beyond it the device's clock counts as wrong and is corrected.
 */
export const CLOCK_SKEW_TOLERANCE_MS = 2 * 60 * 1000;
/**
 * A wrong device clock is corrected by the skew rounded to a whole number of these, so that every
 * request from that device gets the same shift although each took its own transit time.
 */
export const CLOCK_SKEW_STEP_MS = 60 * 1000;
/** Largest body a browser may queue with `sendBeacon` or `fetch(..., { keepalive: true })`. */
export const MAX_BEACON_BYTES = 64 * 1024;

/** Every collector limit that operators can lower or raise in the config file's `limits`. */
/**
 * Events a collector holds received but not yet stored (waiting for, or in, a group commit). Past it, a new
 * request answers 429 `ingest_overloaded` with Retry-After instead of queueing without bound while the store
 * is saturated; SDKs keep the events and retry. One request is always taken when nothing waits.
 */
export const MAX_PENDING_EVENTS = 50_000;

export interface IngestLimits {
  maxBodyBytes: number;
  maxBatchEvents: number;
  maxEventBytes: number;
  maxPropertyDepth: number;
  maxStringLength: number;
  maxObjectKeys: number;
  maxPendingEvents: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxBodyBytes: MAX_BODY_BYTES,
  maxBatchEvents: MAX_BATCH_EVENTS,
  maxEventBytes: MAX_EVENT_BYTES,
  maxPropertyDepth: MAX_PROPERTY_DEPTH,
  maxStringLength: MAX_STRING_LENGTH,
  maxObjectKeys: MAX_OBJECT_KEYS,
  maxPendingEvents: MAX_PENDING_EVENTS,
};

/**
 * Codes of whole-request errors, rendered as `{ error: { code, message, issues? } }`.
 * An SDK decides on the code (and the HTTP status), never on the prose.
 */
export const API_ERROR_CODES = [
  'invalid_json',
  'invalid_body',
  'invalid_query',
  'unsupported_media_type',
  'unsupported_encoding',
  'unauthorized',
  'forbidden',
  'source_disabled',
  'origin_not_allowed',
  'payload_too_large',
  'batch_too_large',
  'route_not_found',
  'method_not_allowed',
  'event_not_found',
  'profile_not_found',
  'source_not_found',
  'key_not_found',
  'identifier_required',
  'subscription_not_found',
  'conflict',
  'invalid_definition',
  'computed_trait_not_found',
  'audience_not_found',
  'webhook_not_found',
  'delivery_not_found',
  'churn_model_not_found',
  'shutting_down',
  'ingest_overloaded',
  'store_unavailable',
  'not_supported_by_store',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * Why one message of a batch was rejected. Rejected messages are reported in
 * the 200 answer and must not be retried: they will never be accepted.
 */
export const REJECTION_CODES = [
  'invalid_field',
  'missing_identity',
  'event_too_large',
  'too_deep',
  'string_too_long',
  'too_many_keys',
  'invalid_number',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Ingestion warnings, exactly as in the identity policy ("default-v1"). */
export const WARNING_CODES = [
  'blocked_identifier',
  'invalid_identifier',
  'no_identifiers',
  'duplicate_message_id',
  'timestamp_clamped_future',
  'suppressed',
  'identifier_limit_dropped',
  'identifier_contested',
  'identifier_demoted',
  'merge_refused_unique_conflict',
  'merge_limit_reached',
  'merge_not_found',
  'unmerge_not_found',
  'unmerge_not_merged',
  'delete_not_found',
  'invalid_subscription',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

/** Reasons on merge records. */
export const MERGE_REASONS = ['event', 'admin', 'unmerge'] as const;
export type MergeReason = (typeof MERGE_REASONS)[number];

/** Identifier types with a fixed meaning; any other lower-case type is custom (`context.externalIds`). */
export const BUILTIN_IDENTIFIER_TYPES = ['userId', 'email', 'phone', 'deviceId', 'anonymousId'] as const;
export type BuiltinIdentifierType = (typeof BUILTIN_IDENTIFIER_TYPES)[number];

/** Channels a person can be contacted on; each address has one status per channel. */
export const SUBSCRIPTION_CHANNELS = ['email', 'sms', 'phone', 'push', 'whatsapp'] as const;
export type SubscriptionChannel = (typeof SUBSCRIPTION_CHANNELS)[number];

/** Status of a (channel, address), or of one of its topics (topics are only subscribed, unsubscribed or none). */
export const SUBSCRIPTION_STATUSES = ['subscribed', 'unsubscribed', 'none', 'bounced', 'complained'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Where a subscription change came from, kept on every history row. */
export const SUBSCRIPTION_SOURCES = ['sdk', 'api', 'one-click', 'import', 'sender'] as const;
export type SubscriptionSource = (typeof SUBSCRIPTION_SOURCES)[number];

/** Why `GET /v1/subscriptions/check` answered as it did. */
export const SUBSCRIPTION_REASONS = [
  'subscribed',
  'unsubscribed',
  'topic_unsubscribed',
  'not_opted_in',
  'bounced',
  'complained',
  'erased',
  'unknown',
] as const;
export type SubscriptionReason = (typeof SUBSCRIPTION_REASONS)[number];

/** Why a requested subscription change was not applied. */
export const SUBSCRIPTION_SKIP_REASONS = ['stale', 'erased', 'unchanged'] as const;
export type SubscriptionSkipReason = (typeof SUBSCRIPTION_SKIP_REASONS)[number];

/**
 * Conflict window: an unsubscribe still beats a subscribe with a later
 * timestamp when both fall within this many milliseconds (prefer not to send
 * when in doubt); outside it the latest timestamp wins.
 */
export const SUBSCRIPTION_CONFLICT_WINDOW_MS = 10_000;
/** Most addresses in one `POST /v1/subscriptions/check`. */
export const MAX_SUBSCRIPTION_CHECK_ADDRESSES = 1000;

/** Why a profile entered or left an audience (`reason` of `Audience Entered` / `Audience Exited`). */
export const AUDIENCE_CHANGE_REASONS = ['event', 'time', 'merge', 'unmerge', 'definition'] as const;
export type AudienceChangeReason = (typeof AUDIENCE_CHANGE_REASONS)[number];

/** Why a webhook attempt failed without a usable response (`error` of an attempt). */
export const WEBHOOK_ATTEMPT_ERRORS = [
  'timeout',
  'connection_error',
  'address_not_allowed',
  'invalid_url',
  'endpoint_disabled',
] as const;
export type WebhookAttemptError = (typeof WEBHOOK_ATTEMPT_ERRORS)[number];
