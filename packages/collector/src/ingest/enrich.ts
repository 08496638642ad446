/**
 * What the collector adds to a valid message before storing it: a messageId
 * when the client sent none (as Segment's API does), `receivedAt`, the
 * `timestamp` corrected for a wrong device clock (keeping the client's as
 * `originalTimestamp`), the future clamp, and the client IP per policy.
 */
import { randomUUID } from 'node:crypto';
import {
  CLOCK_SKEW_STEP_MS,
  CLOCK_SKEW_TOLERANCE_MS,
  type EventWarning,
  MAX_FUTURE_SKEW_MS,
  type Message,
} from '@exhaust/schema';
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
 * The skew correction. A request's skew is `receivedAt - sentAt`: the device's
 * clock error plus the request's transit time. Segment adds the whole skew to
 * every timestamp, but transit differs per request, so calls made a
 * millisecond apart and sent in different requests could swap order (and the
 * older identify win). Here:
 *
 * - |skew| <= {@link CLOCK_SKEW_TOLERANCE_MS}: transit and ordinary drift, the
 *   device's timestamp is kept as sent.
 * - beyond: the device's clock is wrong; the timestamp is shifted by the skew
 *   rounded to whole {@link CLOCK_SKEW_STEP_MS}, so every request from that
 *   device gets the same shift whatever its transit (within half a step of the truth).
 *
 * Either way calls from one client keep the order it made them in, except a
 * wrong clock whose skew sits within a transit's jitter of a rounding edge
 * (half a step off a whole step). A timestamp then still more than 23 h ahead
 * is clamped to `receivedAt`.
 */
export function correctTimestamp(
  clientTimestamp: string | undefined,
  sentAt: string | undefined,
  receivedAtMs: number,
): { timestampMs: number; clampedFromMs: number | null } {
  let ms = clientTimestamp ? Date.parse(clientTimestamp) : receivedAtMs;
  if (clientTimestamp && sentAt) ms += clockCorrectionMs(receivedAtMs - Date.parse(sentAt));
  if (ms > receivedAtMs + MAX_FUTURE_SKEW_MS) return { timestampMs: receivedAtMs, clampedFromMs: ms };
  return { timestampMs: ms, clampedFromMs: null };
}

/** What is added to a device's timestamps for a request whose `receivedAt - sentAt` is `skewMs`. */
export function clockCorrectionMs(skewMs: number): number {
  if (Math.abs(skewMs) <= CLOCK_SKEW_TOLERANCE_MS) return 0;
  return Math.round(skewMs / CLOCK_SKEW_STEP_MS) * CLOCK_SKEW_STEP_MS;
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
