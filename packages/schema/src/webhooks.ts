/**
 * Outgoing webhook wire types (issue 10): endpoints as `POST /v1/webhooks`
 * takes and answers them, deliveries with their attempts, and the bodies the
 * collector sends (Standard Webhooks: `{ type, timestamp, data }`, signed).
 */
import type { DeletionResult, ProfileIdentifier } from './api.js';
import type { AudienceChangeReason, SubscriptionChannel, SubscriptionSource, SubscriptionStatus } from './constants.js';
import type { JsonObject, JsonValue, Message, MessageType } from './messages.js';

/** Event types an endpoint can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'audience.entered',
  'audience.exited',
  'computed.changed',
  'profile.merged',
  'profile.unmerged',
  'profile.erased',
  'event.received',
  'subscription.changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Every `type` a body can carry: the subscribable ones and the test ping. */
export type WebhookBodyType = WebhookEventType | 'webhook.test';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * Narrows what an endpoint receives; each list applies to the types it names
 * and an absent list lets everything through.
 */
export interface WebhookFilter {
  /** `event.received`: track event names (`event`). */
  events?: string[];
  /** `event.received`: message types. */
  types?: MessageType[];
  /** `audience.entered` / `audience.exited`: audience keys. */
  audiences?: string[];
  /** `computed.changed`: computed-trait keys. */
  traits?: string[];
  /** `subscription.changed`: channels. */
  channels?: SubscriptionChannel[];
}

/** `POST /v1/webhooks` body. */
export interface WebhookEndpointInput {
  url: string;
  events: WebhookEventType[];
  filter?: WebhookFilter;
  description?: string;
  /** Default true. */
  enabled?: boolean;
}

/** `PATCH /v1/webhooks/{id}` body: any subset of the input. */
export type WebhookEndpointPatch = Partial<WebhookEndpointInput>;

/** An endpoint as the API shows it (never its secrets). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  filter: WebhookFilter | null;
  description: string | null;
  enabled: boolean;
  /** Why the collector disabled it (410, or failing for too long); null when enabled or disabled by an operator. */
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The 201 answer of `POST /v1/webhooks`: the signing secret is shown this once. */
export interface WebhookEndpointCreated extends WebhookEndpoint {
  secret: string;
}

/** One HTTP attempt of a delivery. */
export interface WebhookAttempt {
  at: string;
  /** Null when no response arrived (timeout, refused, address not allowed). */
  statusCode: number | null;
  durationMs: number;
  /** The first 1 KB of the response body. */
  response: string | null;
  /** Why the attempt failed without a usable status (`timeout`, `connection_error`, `address_not_allowed`, ...). */
  error: string | null;
}

export interface WebhookDelivery {
  /** `webhook-id`: the same on every attempt, the receiver's idempotency key. */
  id: string;
  endpointId: string;
  type: WebhookBodyType;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  createdAt: string;
  /** The body exactly as sent. */
  payload: string;
}

/** The body of every webhook request. */
export interface WebhookBody<T extends WebhookBodyType = WebhookBodyType, D = JsonValue> {
  type: T;
  /** When the change happened, ISO 8601. */
  timestamp: string;
  data: D;
}

/** A profile as audience payloads carry it. */
export interface WebhookProfile {
  id: string;
  identifiers: Pick<ProfileIdentifier, 'type' | 'value'>[];
  traits: JsonObject;
}

export interface AudienceChangeData {
  audienceKey: string;
  /** Per (profile, audience), increasing: deliveries for one pair arrive in this order. */
  seq: number;
  reason: AudienceChangeReason;
  profile: WebhookProfile;
}

export interface ComputedChangeData {
  traitKey: string;
  profileId: string;
  value: JsonValue;
  previous: JsonValue;
}

export interface EventReceivedData {
  messageId: string;
  type: MessageType;
  source: string;
  profileId: string | null;
  receivedAt: string;
  message: Message;
}

export interface ProfileMergedData {
  survivor: string;
  merged: string;
}

export interface ProfileUnmergedData {
  detached: string;
  from: string;
}

/**
 * One applied subscription change (any source: SDK, API, one-click, import, sender report).
 * The address is in clear and normalized: the receiver is the operator's own back office.
 */
export interface SubscriptionChangedData {
  /** Stable per change (`subscription-<history id>`): the same id as the profile's timeline event. */
  id: string;
  channel: SubscriptionChannel;
  address: string;
  /** null for the channel status. */
  topic: string | null;
  status: SubscriptionStatus;
  previousStatus: SubscriptionStatus;
  source: SubscriptionSource;
  /** When the change happened, ISO 8601. */
  at: string;
  /** The profile owning the address (email and phone identifiers); null when none does. */
  profileId: string | null;
}

/** Only the deletion's id and counts: never the person's identifiers. */
export type ProfileErasedData = DeletionResult;
