/**
 * The Segment tracking spec, typed once. Both the SDKs (type-only) and the
 * collector (through the zod schemas in `message-schemas.ts`) use these.
 * Field names and meaning follow https://segment.com/docs/connections/spec/.
 */

/** A JSON value as it travels on the wire. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const MESSAGE_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Consent preferences per category, e.g. `{ analytics: true, marketing: false }`. */
export type CategoryPreferences = Record<string, boolean>;

/**
 * `context.consent`: the visitor's consent as it stood when the event was captured (Segment reads
 * `categoryPreferences`). An event captured before any decision, held on the device and sent once a
 * decision allowed it, says so: `capturedUnder: 'pending'`, and `categoryPreferences` are then those of
 * the decision that released it, made at `releasedAt`.
 */
export interface MessageConsent {
  [key: string]: unknown;
  categoryPreferences?: CategoryPreferences;
  /** Present only when the event was captured while consent was pending. */
  capturedUnder?: 'pending';
  /** When the decision that released a pending event was made (ISO 8601). */
  releasedAt?: string;
}

/** A custom identifier (Segment's `context.externalIds`). */
export interface ExternalId {
  id: string;
  type: string;
  collection?: string;
  encoding?: string;
}

/**
 * `context`: everything about where the message came from. The known fields are
 * typed; anything else a client sends is kept as it was sent.
 */
export interface MessageContext {
  [key: string]: unknown;
  app?: JsonObject;
  campaign?: {
    [key: string]: string | undefined;
    name?: string;
    source?: string;
    medium?: string;
    term?: string;
    content?: string;
  };
  consent?: MessageConsent;
  device?: { [key: string]: unknown; id?: string };
  externalIds?: ExternalId[];
  ip?: string;
  library?: { name: string; version: string };
  locale?: string;
  page?: { [key: string]: unknown; path?: string; referrer?: string; search?: string; title?: string; url?: string };
  screen?: { [key: string]: unknown; width?: number; height?: number; density?: number };
  session?: { [key: string]: unknown; id: string; start?: boolean };
  timezone?: string;
  traits?: JsonObject;
  userAgent?: string;
}

/** Fields every message carries. A message needs `userId` or `anonymousId`. */
export interface MessageBase {
  messageId?: string;
  anonymousId?: string | null;
  userId?: string | null;
  /** When the event happened (ISO 8601), by the client's clock. */
  timestamp?: string;
  /** When the client sent the batch (ISO 8601), by the client's clock. */
  sentAt?: string;
  originalTimestamp?: string;
  context?: MessageContext;
  integrations?: Record<string, unknown>;
  /** Unknown top-level fields (`channel`, `version`, `_metadata`, ...) are kept as sent. */
  [key: string]: unknown;
}

export interface TrackMessage extends MessageBase {
  type: 'track';
  event: string;
  properties?: JsonObject;
}
export interface PageMessage extends MessageBase {
  type: 'page';
  name?: string | null;
  category?: string | null;
  properties?: JsonObject;
}
export interface ScreenMessage extends MessageBase {
  type: 'screen';
  name?: string | null;
  category?: string | null;
  properties?: JsonObject;
}
export interface IdentifyMessage extends MessageBase {
  type: 'identify';
  traits?: JsonObject;
}
export interface GroupMessage extends MessageBase {
  type: 'group';
  groupId: string;
  traits?: JsonObject;
}
export interface AliasMessage extends MessageBase {
  type: 'alias';
  userId: string;
  previousId: string;
}

export type Message = TrackMessage | PageMessage | ScreenMessage | IdentifyMessage | GroupMessage | AliasMessage;

/** The body of `POST /v1/batch`. `writeKey` in the body is the alternative to Basic auth. */
export interface BatchRequest {
  batch: Message[];
  sentAt?: string;
  writeKey?: string;
  /** Events the client dropped (queue full, too old) since its last acknowledged batch: a data-loss signal. */
  dropped?: number;
  context?: MessageContext;
  integrations?: Record<string, unknown>;
  [key: string]: unknown;
}
