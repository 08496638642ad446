/**
 * What the collector adds to a valid message before storing it: a messageId
 * when the client sent none (as Segment's API does), `receivedAt`, the
 * clock-skew-corrected `timestamp` (keeping the client's as
 * `originalTimestamp`), the future clamp, and the client IP per policy.
 */
import { randomUUID } from 'node:crypto';
import { type EventWarning, MAX_FUTURE_SKEW_MS, type Message } from '@exhaust/schema';
import { applyIpPolicy, type IpPolicy } from './ip.js';

export interface EnrichContext {
  receivedAt: Date;
  /** The batch envelope's `sentAt`, used when the message has none of its own. */
  envelopeSentAt?: string | undefined;
  /** The request's peer address. */
  requestIp: string | null;
  ipPolicy: IpPolicy;
}

export interface Enriched {
  message: Message;
  messageId: string;
  timestamp: string;
  warnings: EventWarning[];
}

/**
 * Segment's correction: the client's clock may be wrong, but the gap between
 * its `timestamp` and `sentAt` is right, so `timestamp = receivedAt - (sentAt - timestamp)`.
 * A timestamp still more than 23 h ahead is clamped to `receivedAt`.
 */
export function correctTimestamp(
  clientTimestamp: string | undefined,
  sentAt: string | undefined,
  receivedAtMs: number,
): { timestampMs: number; clampedFromMs: number | null } {
  let ms = clientTimestamp ? Date.parse(clientTimestamp) : receivedAtMs;
  if (clientTimestamp && sentAt) ms += receivedAtMs - Date.parse(sentAt);
  if (ms > receivedAtMs + MAX_FUTURE_SKEW_MS) return { timestampMs: receivedAtMs, clampedFromMs: ms };
  return { timestampMs: ms, clampedFromMs: null };
}

/** Mutates and returns the message (the parsed request body is ours). */
export function enrichMessage(message: Message, ctx: EnrichContext): Enriched {
  const warnings: EventWarning[] = [];
  const receivedAtMs = ctx.receivedAt.getTime();
  message.messageId ||= randomUUID();
  const clientTimestamp = message.timestamp ?? message.originalTimestamp;
  const { timestampMs, clampedFromMs } = correctTimestamp(
    clientTimestamp,
    message.sentAt ?? ctx.envelopeSentAt,
    receivedAtMs,
  );
  if (clampedFromMs !== null) {
    warnings.push({ code: 'timestamp_clamped_future', detail: new Date(clampedFromMs).toISOString() });
  }
  if (clientTimestamp) message.originalTimestamp = clientTimestamp;
  if (!message.sentAt && ctx.envelopeSentAt) message.sentAt = ctx.envelopeSentAt;
  const timestamp = new Date(timestampMs).toISOString();
  message.timestamp = timestamp;
  message.receivedAt = ctx.receivedAt.toISOString();

  const ip = applyIpPolicy(message.context?.ip ?? ctx.requestIp, ctx.ipPolicy);
  if (ip) {
    if (message.context) message.context.ip = ip;
    else message.context = { ip };
  } else if (message.context) delete message.context.ip;
  return { message, messageId: message.messageId, timestamp, warnings };
}
