/**
 * Subscription rows as both stores keep them, and their one mapping to the
 * wire types and to the facts checks and audiences read: the SQL differs per
 * engine, the meaning of a row does not.
 */
import type {
  SubscriptionChannel,
  SubscriptionHistoryEntry,
  SubscriptionProof,
  SubscriptionSource,
  SubscriptionState,
  SubscriptionStatus,
} from '@exhaust/schema';
import type { AddressFacts } from '../activation/index.js';
import type { AddressKind, SubscriptionChange } from '../subscriptions/model.js';
import type { KeptForCheck } from '../subscriptions/precedence.js';
import { suppressionHash } from './identity-keys.js';
import type { SubscriptionExportRow } from './store.js';

/** Channel-level rows have this topic (a primary key column cannot be null). */
export const CHANNEL_TOPIC = '';

/** A row of `sub_states`. */
export interface SubscriptionStateRow {
  channel: SubscriptionChannel;
  address: string;
  topic: string;
  status: SubscriptionStatus;
  at_ms: number;
  source: SubscriptionSource;
  /** JSON `{ ip?, text? }` or null. */
  proof: string | null;
}

/** A row of `sub_history`. */
export interface SubscriptionHistoryRow extends SubscriptionStateRow {
  id: number;
  previous: SubscriptionStatus;
  recorded_at: string;
}

/** A timeline event for the profile owning an address, appended by the store (it owns seq and dedupe). */
export interface TimelineEvent {
  fragmentId: number;
  /** Unique per change: `subscription-<history id>`. */
  messageId: string;
  event: 'Subscribed' | 'Unsubscribed';
  at: string;
  properties: Record<string, string | null>;
}

/** One change as applied, told to the store's other areas (webhook outbox, audiences) inside the same transaction. */
export interface AppliedSubscriptionChange {
  /** The history row's id: stable, never given twice. */
  historyId: number;
  channel: SubscriptionChannel;
  address: string;
  topic: string | null;
  status: SubscriptionStatus;
  previous: SubscriptionStatus;
  source: SubscriptionSource;
  /** When the change happened, ISO 8601. */
  at: string;
  /** The fragment holding the address as an identifier (email, phone); null when none. */
  fragmentId: number | null;
}

/** The hash kept on the contact suppression list: same form as identity's suppression list. */
export const contactHash = (kind: AddressKind, address: string) => suppressionHash({ type: kind, value: address });

export const toKept = (row: SubscriptionStateRow | undefined): KeptForCheck | null =>
  row ? { status: row.status, since: new Date(row.at_ms).toISOString(), source: row.source } : null;

export const proofOf = (text: string | null): SubscriptionProof | null => (text === null ? null : JSON.parse(text));

/** The state of one (channel, address) from all its rows; null when it has none. */
export function toSubscriptionState(rows: SubscriptionStateRow[]): SubscriptionState | null {
  const first = rows[0];
  if (!first) return null;
  const channelRow = rows.find((row) => row.topic === CHANNEL_TOPIC);
  const topics: SubscriptionState['topics'] = {};
  for (const row of rows) {
    if (row.topic === CHANNEL_TOPIC) continue;
    topics[row.topic] = { status: row.status, since: new Date(row.at_ms).toISOString(), source: row.source };
  }
  return {
    channel: first.channel,
    address: first.address,
    status: channelRow?.status ?? 'none',
    since: channelRow ? new Date(channelRow.at_ms).toISOString() : null,
    source: channelRow?.source ?? null,
    proof: proofOf(channelRow?.proof ?? null),
    topics,
  };
}

export const toHistoryEntry = (row: SubscriptionHistoryRow): SubscriptionHistoryEntry => ({
  topic: row.topic === CHANNEL_TOPIC ? null : row.topic,
  status: row.status,
  previous: row.previous,
  source: row.source,
  at: new Date(row.at_ms).toISOString(),
  recordedAt: row.recorded_at,
  proof: proofOf(row.proof),
});

export const toExportRow = (row: SubscriptionStateRow): SubscriptionExportRow => ({
  channel: row.channel,
  address: row.address,
  topic: row.topic === CHANNEL_TOPIC ? null : row.topic,
  status: row.status,
  since: new Date(row.at_ms).toISOString(),
  source: row.source,
});

/** What an audience's `{ subscription }` node reads of one (channel, address), from all its rows. */
export function toAddressFacts(
  channel: SubscriptionChannel,
  address: string,
  rows: SubscriptionStateRow[],
  erased: boolean,
): AddressFacts {
  const topics: Record<string, KeptForCheck> = {};
  let status: KeptForCheck | null = null;
  for (const row of rows) {
    if (row.topic === CHANNEL_TOPIC) status = toKept(row);
    else topics[row.topic] = toKept(row) as KeptForCheck;
  }
  return { channel, address, erased, status, topics };
}

/** The change as told to the other areas, once its history row exists. */
export function appliedChange(
  change: SubscriptionChange,
  historyId: number,
  previous: SubscriptionStatus,
  fragmentId: number | null,
): AppliedSubscriptionChange {
  return {
    historyId,
    channel: change.channel,
    address: change.address,
    topic: change.topic,
    status: change.status,
    previous,
    source: change.source,
    at: new Date(Date.parse(change.at)).toISOString(),
    fragmentId,
  };
}

/** The `Subscribed` / `Unsubscribed` event on the owner's timeline. */
export function timelineEventOf(applied: AppliedSubscriptionChange & { fragmentId: number }): TimelineEvent {
  return {
    fragmentId: applied.fragmentId,
    messageId: `subscription-${applied.historyId}`,
    event: applied.status === 'subscribed' ? 'Subscribed' : 'Unsubscribed',
    at: applied.at,
    properties: {
      channel: applied.channel,
      address: applied.address,
      topic: applied.topic,
      status: applied.status,
      previousStatus: applied.previous,
      source: applied.source,
    },
  };
}

/** The stored message of a timeline event, written under the collector's own source (`library`). */
export function timelinePayload(event: TimelineEvent, library: string): string {
  return JSON.stringify({
    type: 'track',
    event: event.event,
    messageId: event.messageId,
    timestamp: event.at,
    properties: event.properties,
    context: { library: { name: library } },
  });
}
