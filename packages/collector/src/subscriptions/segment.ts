/**
 * Segment's `context.messaging_subscriptions` (Engage) on an identify, as
 * subscription changes: `[{ key, type: "EMAIL" | "SMS" | "WhatsApp", status:
 * "SUBSCRIBED" | "UNSUBSCRIBED" | "DID_NOT_SUBSCRIBE", groups: [{ name, status }] }]`.
 * `key` is the address, a group is a topic. Entries that cannot be used are
 * skipped with an `invalid_subscription` warning; the event is stored anyway.
 */
import type { EventWarning, Message, SubscriptionChannel, SubscriptionStatus } from '@exhaust/schema';
import type { IdentityConfig } from '../identity/config.js';
import { normalizeAddress } from './address.js';
import type { SubscriptionChange } from './model.js';
import { topicKeySchema } from './topics.js';

/** Most entries of `messaging_subscriptions` read from one event; the rest are skipped with a warning. */
export const MAX_MESSAGING_SUBSCRIPTIONS = 20;
/** Most groups read from one entry (Segment allows 25 per space). */
export const MAX_MESSAGING_SUBSCRIPTION_GROUPS = 25;

const SEGMENT_TYPES: Record<string, SubscriptionChannel> = { email: 'email', sms: 'sms', whatsapp: 'whatsapp' };
const SEGMENT_STATUSES: Record<string, SubscriptionStatus> = {
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
  did_not_subscribe: 'none',
};

export interface EventSubscriptions {
  changes: SubscriptionChange[];
  warnings: EventWarning[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const statusOf = (raw: unknown): SubscriptionStatus | null =>
  typeof raw === 'string' ? (SEGMENT_STATUSES[raw.trim().toLowerCase()] ?? null) : null;

interface EntryContext {
  at: string;
  ip: string | null;
  config: IdentityConfig;
  skip: (path: string, why: string) => void;
}

/** The changes of one `messaging_subscriptions` entry; problems go to `skip`. */
function changesOfEntry(entry: unknown, path: string, { at, ip, config, skip }: EntryContext): SubscriptionChange[] {
  const changes: SubscriptionChange[] = [];
  if (!isRecord(entry)) {
    skip(path, 'expected an object');
    return changes;
  }
  const channel = typeof entry.type === 'string' ? SEGMENT_TYPES[entry.type.trim().toLowerCase()] : undefined;
  if (!channel) {
    skip(`${path}.type`, 'expected EMAIL, SMS or WhatsApp');
    return changes;
  }
  const address = normalizeAddress(channel, entry.key, config);
  if (!address.ok) {
    skip(`${path}.key`, address.message);
    return changes;
  }
  const change = (topic: string | null, status: SubscriptionStatus) =>
    changes.push({
      channel,
      address: address.address,
      topic,
      status,
      source: 'sdk',
      at,
      proof: status === 'subscribed' && ip ? { ip } : null,
    });
  if (entry.status !== undefined && entry.status !== null) {
    const status = statusOf(entry.status);
    if (status) change(null, status);
    else skip(`${path}.status`, 'expected SUBSCRIBED, UNSUBSCRIBED or DID_NOT_SUBSCRIBE');
  }
  if (entry.groups === undefined || entry.groups === null) return changes;
  if (!Array.isArray(entry.groups)) {
    skip(`${path}.groups`, 'expected an array');
    return changes;
  }
  for (const [g, group] of entry.groups.slice(0, MAX_MESSAGING_SUBSCRIPTION_GROUPS).entries()) {
    const name = isRecord(group) ? topicKeySchema.safeParse(group.name) : null;
    const status = isRecord(group) ? statusOf(group.status) : null;
    if (name?.success && status) change(name.data, status);
    else skip(`${path}.groups.${g}`, 'expected { name, status }');
  }
  return changes;
}

/**
 * The changes an identify asks for; null when it carries no
 * `messaging_subscriptions` (then nothing at all is done for it).
 * @param at the event's (clamped) timestamp: the time of the changes.
 * @example subscriptionChangesOf(identify, incoming.timestamp, config)?.changes
 * // [{ channel: 'email', address: 'ada@example.org', topic: null, status: 'subscribed', source: 'sdk', ... }]
 */
export function subscriptionChangesOf(message: Message, at: string, config: IdentityConfig): EventSubscriptions | null {
  if (message.type !== 'identify') return null;
  const entries = (message.context as Record<string, unknown> | undefined)?.messaging_subscriptions;
  if (entries === undefined || entries === null) return null;
  const ip = typeof message.context?.ip === 'string' ? message.context.ip : null;
  const changes: SubscriptionChange[] = [];
  const warnings: EventWarning[] = [];
  const skip = (path: string, why: string): void => {
    warnings.push({ code: 'invalid_subscription', detail: `messaging_subscriptions${path}: ${why}` });
  };
  if (!Array.isArray(entries)) {
    skip('', 'expected an array');
    return { changes, warnings };
  }
  for (const [i, entry] of entries.entries()) {
    if (i >= MAX_MESSAGING_SUBSCRIPTIONS) {
      skip(`.${i}`, `more than ${MAX_MESSAGING_SUBSCRIPTIONS} entries`);
      break;
    }
    changes.push(...changesOfEntry(entry, `.${i}`, { at, ip, config, skip }));
  }
  return { changes, warnings };
}
