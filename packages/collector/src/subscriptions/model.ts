/**
 * The subscription model's vocabulary inside the collector: which addresses a
 * channel takes, what a change is, and what a check needs to know. Channels,
 * statuses and sources themselves are wire constants in `@exhaust/schema`.
 */
import type { SubscriptionChannel, SubscriptionProof, SubscriptionSource, SubscriptionStatus } from '@exhaust/schema';

/** Statuses a topic can have: bounces and complaints concern the address, not one topic. */
export const TOPIC_STATUSES = ['subscribed', 'unsubscribed', 'none'] as const;
export type TopicStatus = (typeof TOPIC_STATUSES)[number];

/** Statuses that stop every message on the channel. */
export const BLOCKING_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(['unsubscribed', 'bounced', 'complained']);

/** Longest topic key, in characters. */
export const MAX_TOPIC_KEY_LENGTH = 100;

/**
 * The kind of address a channel is keyed by: an email, a phone number (SMS,
 * calls and WhatsApp share it) or a push token (opaque).
 */
export type AddressKind = 'email' | 'phone' | 'push';

export const ADDRESS_KIND: Record<SubscriptionChannel, AddressKind> = {
  email: 'email',
  sms: 'phone',
  phone: 'phone',
  whatsapp: 'phone',
  push: 'push',
};

/** Channels keyed by an identifier type of identity (a profile's email and phone identifiers). */
export const CHANNELS_OF_IDENTIFIER: Record<string, SubscriptionChannel[]> = {
  email: ['email'],
  phone: ['sms', 'phone', 'whatsapp'],
};

/**
 * One requested change of a channel status (`topic` null) or a topic status,
 * the address already normalized. Every path that changes a subscription (SDK,
 * API, one-click, import, sender report) builds these.
 */
export interface SubscriptionChange {
  channel: SubscriptionChannel;
  address: string;
  topic: string | null;
  status: SubscriptionStatus;
  source: SubscriptionSource;
  /** When the change happened, ISO 8601: decides conflicts. */
  at: string;
  proof: SubscriptionProof | null;
}

/** A status as kept: what, since when (ms), from where. */
export interface KeptStatus {
  status: SubscriptionStatus;
  atMs: number;
  source: SubscriptionSource;
}
