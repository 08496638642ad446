/**
 * What the SQLite engine needs of an incoming event, computed by pure code on
 * the caller's thread: the payload text, the dedupe hash, the identifiers
 * (extracted, normalized, blocked, sorted), the trait writes and consent
 * records. The store worker then never parses or walks a message: it only
 * does what needs the database, inside the group's transaction. On two cores
 * this moves per-event CPU from the one store thread (the bottleneck) to the
 * HTTP thread.
 */
import { hash } from 'node:crypto';
import type { EventWarning, Message, MessageType } from '@exhaust/schema';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig } from '../identity/config.js';
import { consentRecordsOf } from '../identity/consent.js';
import { type ExtractedIdentifiers, extractIdentifiers } from '../identity/identifiers.js';
import { traitWritesOf } from '../identity/traits.js';
import type { SubscriptionChange } from '../subscriptions/model.js';
import { subscriptionChangesOf } from '../subscriptions/segment.js';
import type { IncomingEvent } from './store.js';

/** Bytes of the sha-256 kept per (source, messageId): 128 bits makes a collision negligible. */
const MESSAGE_HASH_BYTES = 16;

export interface PreparedEvent {
  source: string;
  messageId: string;
  type: MessageType;
  receivedAt: string;
  timestamp: string;
  warnings: EventWarning[];
  /** The message as stored, JSON text. */
  payload: string;
  /** `event` of a track message (its own column, for filtering); null otherwise. */
  eventName: string | null;
  /** Dedupe key, see {@link messageHash}. */
  hash: Uint8Array;
  /**
   * The event's identifiers and the warnings of the refused ones. Null for an
   * alias: whether its `previousId` is a userId depends on the database, so the
   * engine extracts from `aliasMessage` itself.
   */
  identity: ExtractedIdentifiers | null;
  aliasMessage: Message | null;
  /** An identify's trait writes, values as JSON text. */
  traitWrites: { key: string; value: string }[];
  consent: { category: string; granted: boolean }[];
  /** Subscription changes of an identify's `context.messaging_subscriptions`; null when there are none. */
  subscriptions: SubscriptionChange[] | null;
}

/**
 * Warnings of a suppressed message that are still recorded: ones that cannot
 * name an identifier. The others (an invalid or blocked identifier's value)
 * may be the erased person's, and the erasure must not be undone by a log.
 */
export const IDENTIFIER_FREE_WARNINGS: ReadonlySet<EventWarning['code']> = new Set([
  'suppressed',
  'timestamp_clamped_future',
  'no_identifiers',
]);

/** Dedupe key of a message: per source, hashed so that erasure leaves no messageId behind. */
export function messageHash(source: string, messageId: string): Buffer {
  return hash('sha256', `${source}\0${messageId}`, 'buffer').subarray(0, MESSAGE_HASH_BYTES);
}

const noDatabaseHere = (): boolean => {
  throw new Error('only an alias asks whether a userId is known; aliases are extracted by the engine');
};

/**
 * @param config the store's identity config (extraction depends on it).
 * @example const prepared = prepareEvent(incoming, DEFAULT_IDENTITY_CONFIG);
 */
export function prepareEvent(event: IncomingEvent, config: IdentityConfig = DEFAULT_IDENTITY_CONFIG): PreparedEvent {
  const message = event.message;
  const isAlias = message.type === 'alias';
  const subscriptions = subscriptionChangesOf(message, event.timestamp, config);
  return {
    source: event.source,
    messageId: event.messageId,
    type: event.type,
    receivedAt: event.receivedAt,
    timestamp: event.timestamp,
    warnings: subscriptions?.warnings.length ? [...event.warnings, ...subscriptions.warnings] : event.warnings,
    payload: event.payload ?? JSON.stringify(message),
    eventName: message.type === 'track' ? message.event : null,
    hash: messageHash(event.source, event.messageId),
    identity: isAlias ? null : extractIdentifiers(message, config, noDatabaseHere),
    aliasMessage: isAlias ? message : null,
    traitWrites: traitWritesOf(message).map(({ key, value }) => ({ key, value: JSON.stringify(value) })),
    consent: consentRecordsOf(message),
    subscriptions: subscriptions?.changes.length ? subscriptions.changes : null,
  };
}
