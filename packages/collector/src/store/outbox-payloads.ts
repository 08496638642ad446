/**
 * What every outbox producer writes, built once for both stores: the SQLite
 * engine and the PostgreSQL store turn their changes into `OutboxChange`s here
 * and only store them, so a payload cannot differ between the two. Pure: the
 * callers read what the payload needs (public ids, a profile) inside their
 * transaction and pass it in.
 */
import { randomBytes } from 'node:crypto';
import type {
  DeletionResult,
  Profile,
  SubscriptionChangedData,
  SubscriptionChannel,
  SubscriptionSource,
  SubscriptionStatus,
  WebhookBodyType,
} from '@exhaust/schema';
import { AUDIENCE_ENTERED, AUDIENCE_EXITED } from './activation-records.js';
import type { ChangeFacets } from './outbox-filter.js';
import type { PreparedEvent } from './prepared-event.js';

/** A change to announce: the store turns it into one delivery per matching enabled endpoint. */
export interface OutboxChange {
  type: WebhookBodyType;
  /** When the change happened, ISO 8601 (the body's `timestamp`). */
  timestamp: string;
  /** The body's `data`, already JSON text. */
  dataJson: string;
  facets: ChangeFacets;
  /** Deliveries of one key reach an endpoint in enqueue order (profile and audience, profile and trait). */
  ordering?: { key: string; seq: number | null };
  /** Profile ids the body names: an erasure of one of them removes the delivery. */
  profiles?: (string | null)[];
}

/**
 * The webhook-id, unique across collectors: `msg_`, the time in base 36 (9 characters, so ids sort by
 * creation and the unique index grows at its end), then 16 random base64url characters.
 */
export const newDeliveryId = () =>
  `msg_${Date.now().toString(36).padStart(9, '0')}${randomBytes(12).toString('base64url')}`;

/** The body exactly as sent: `{ type, timestamp, data }`, with `data` spliced in as the producer wrote it. */
export const outboxBody = (change: Pick<OutboxChange, 'type' | 'timestamp' | 'dataJson'>): string =>
  `{"type":${JSON.stringify(change.type)},"timestamp":${JSON.stringify(change.timestamp)},"data":${change.dataJson}}`;

const iso = (ms: number) => new Date(ms).toISOString();

/** `event.received`: the stored message is spliced in as it is, never parsed again. */
export function eventReceivedChange(event: PreparedEvent, profileId: string | null): OutboxChange {
  const head = JSON.stringify({
    messageId: event.messageId,
    type: event.type,
    source: event.source,
    profileId,
    receivedAt: event.receivedAt,
  });
  return {
    type: 'event.received',
    timestamp: event.receivedAt,
    dataJson: `${head.slice(0, -1)},"message":${event.payload}}`,
    facets: { eventName: event.eventName, messageType: event.type },
    profiles: [profileId],
  };
}

/** `profile.merged`, by an event or by an operator. */
export function profileMergedChange(survivor: string, merged: string, now: number): OutboxChange {
  return {
    type: 'profile.merged',
    timestamp: iso(now),
    dataJson: JSON.stringify({ survivor, merged }),
    facets: {},
    profiles: [survivor, merged],
  };
}

/** `profile.unmerged`: the unmerge's outcome as the API answers it. */
export function profileUnmergedChange(outcome: { detached: string; from: string }, now: number): OutboxChange {
  return {
    type: 'profile.unmerged',
    timestamp: iso(now),
    dataJson: JSON.stringify({ detached: outcome.detached, from: outcome.from }),
    facets: {},
    profiles: [outcome.detached, outcome.from],
  };
}

/** `profile.erased`: only the deletion's id and counts, since the person's identifiers are what was just erased. */
export function profileErasedChange(deletion: DeletionResult, now: number): OutboxChange {
  return { type: 'profile.erased', timestamp: iso(now), dataJson: JSON.stringify(deletion), facets: {} };
}

/** `computed.changed` (value and previous are JSON texts; previous null when first computed), ordered per profile and trait. */
export function computedChange(
  profileId: string,
  key: string,
  previous: string | null,
  value: string,
  now: number,
): OutboxChange {
  const head = JSON.stringify({ traitKey: key, profileId });
  return {
    type: 'computed.changed',
    timestamp: iso(now),
    dataJson: `${head.slice(0, -1)},"value":${value},"previous":${previous ?? 'null'}}`,
    facets: { traitKey: key },
    ordering: { key: `${profileId}/computed/${key}`, seq: null },
    profiles: [profileId],
  };
}

/** An applied subscription change, as both subscriptions stores report it. */
export interface SubscriptionChangeFacts {
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
}

/** `subscription.changed`, ordered per (channel, address); `profileId` is the address holder's canonical profile. */
export function subscriptionChange(change: SubscriptionChangeFacts, profileId: string | null): OutboxChange {
  const data: SubscriptionChangedData = {
    id: `subscription-${change.historyId}`,
    channel: change.channel,
    address: change.address,
    topic: change.topic,
    status: change.status,
    previousStatus: change.previous,
    source: change.source,
    at: change.at,
    profileId,
  };
  return {
    type: 'subscription.changed',
    timestamp: change.at,
    dataJson: JSON.stringify(data),
    facets: { channel: change.channel },
    ordering: { key: `subscription/${change.channel}/${change.address}`, seq: null },
    profiles: [profileId],
  };
}

/** A churn band change of one profile. */
export interface ChurnRiskFacts {
  pAlive: number;
  band: string;
  previousBand: string | null;
}

/** `churn.risk_changed`, ordered per profile. */
export function churnRiskChange(profileId: string, change: ChurnRiskFacts, now: number): OutboxChange {
  return {
    type: 'churn.risk_changed',
    timestamp: iso(now),
    dataJson: JSON.stringify({ profileId, ...change }),
    facets: {},
    ordering: { key: `${profileId}/churn`, seq: null },
    profiles: [profileId],
  };
}

/** An audience lifecycle event as the activation stores append it (payload is the stored message, JSON text). */
export interface AudienceLifecycleEvent {
  eventName: string;
  /** ISO 8601. */
  at: string;
  payload: string;
}

/** What an audience lifecycle event says, or null for any other event. */
export interface AudienceTransition {
  type: 'audience.entered' | 'audience.exited';
  audienceKey: string;
  /** The membership's transition counter (orders entered/exited of one profile and audience). */
  seq: number;
  profileId: string;
  reason: string;
  at: string;
}

export function audienceTransitionOf(event: AudienceLifecycleEvent): AudienceTransition | null {
  if (event.eventName !== AUDIENCE_ENTERED && event.eventName !== AUDIENCE_EXITED) return null;
  const message = JSON.parse(event.payload) as {
    properties: { reason: string };
    context: { exhaust: { key: string; seq: number; profileId: string } };
  };
  const { key, seq, profileId } = message.context.exhaust;
  return {
    type: event.eventName === AUDIENCE_ENTERED ? 'audience.entered' : 'audience.exited',
    audienceKey: key,
    seq,
    profileId,
    reason: message.properties.reason,
    at: event.at,
  };
}

/** `audience.entered` / `audience.exited` with the profile as it is now, ordered per profile and audience. */
export function audienceChange(
  transition: AudienceTransition,
  profile: Pick<Profile, 'identifiers' | 'traits'> | null,
): OutboxChange {
  const data = {
    audienceKey: transition.audienceKey,
    seq: transition.seq,
    reason: transition.reason,
    profile: {
      id: transition.profileId,
      identifiers: (profile?.identifiers ?? []).map(({ type, value }) => ({ type, value })),
      traits: profile?.traits ?? {},
    },
  };
  return {
    type: transition.type,
    timestamp: transition.at,
    dataJson: JSON.stringify(data),
    facets: { audienceKey: transition.audienceKey },
    ordering: { key: `${transition.profileId}/${transition.audienceKey}`, seq: transition.seq },
    profiles: [transition.profileId],
  };
}
