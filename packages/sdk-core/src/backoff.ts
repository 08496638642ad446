/** First retry waits up to this long (full jitter: a random delay in [0, cap)). */
export const RETRY_BASE_DELAY_MS = 1000;
/** Longest wait between two attempts, whatever the attempt count. */
export const RETRY_MAX_DELAY_MS = 60_000;
/** A `Retry-After` longer than this is capped, so one bad header cannot park the queue for days. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export interface BackoffOptions {
  /** Cap of the first retry's delay. Default {@link RETRY_BASE_DELAY_MS}. */
  baseMs?: number;
  /** Cap of any delay. Default {@link RETRY_MAX_DELAY_MS}. */
  maxMs?: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0 = first retry): exponential with full
 * jitter, `random() * min(maxMs, baseMs * 2^attempt)`, so many clients that
 * failed together do not come back together. A `Retry-After` from the server
 * wins when it asks for longer.
 *
 * @example backoffDelayMs(2, { random: () => 0.5 }) // 2000
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  retryAfterMs: number | null = null,
): number {
  const { baseMs = RETRY_BASE_DELAY_MS, maxMs = RETRY_MAX_DELAY_MS, random = Math.random } = options;
  // NOTE: 2 ** attempt overflows to Infinity for huge attempts, which min() caps.
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  const jittered = Math.floor(random() * cap);
  return retryAfterMs == null ? jittered : Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/**
 * Parses a `Retry-After` header: delta-seconds or an HTTP date. Null when
 * absent or unparseable; never negative.
 *
 * @example parseRetryAfter('3', Date.now()) // 3000
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (seconds >= 0) return seconds * 1000;
  // An HTTP date always names its day and month; this keeps `-5` from parsing as a year.
  const at = /[a-z]/i.test(header) ? Date.parse(header) : Number.NaN;
  return at >= 0 ? Math.max(0, at - nowMs) : null;
}
