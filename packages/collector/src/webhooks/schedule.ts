/**
 * When a failed delivery is tried again. The default is Svix's schedule after
 * the first attempt (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts
 * over about 27.5 hours); jitter spreads retries of one outage so they do not
 * arrive together.
 */

/** Delays after each failed attempt, in ms; one more failure after the last marks the delivery failed. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];
/** Jitter added to each delay, as a fraction of it (0.1 = up to 10% later). */
export const RETRY_JITTER_RATIO = 0.1;
/** Longest `retry-after` honoured; a larger one waits this long. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * The delay before the next attempt, or null when no attempt is left.
 * `failedAttempts` counts attempts made in this round, the one that just failed included.
 * @example nextRetryDelay(DEFAULT_RETRY_SCHEDULE_MS, 1, null, () => 0) // 5000
 */
export function nextRetryDelay(
  schedule: readonly number[],
  failedAttempts: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  const base = schedule[failedAttempts - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 + RETRY_JITTER_RATIO * random()));
  // A receiver that says when to come back is believed, within reason, but never sooner than planned.
  if (retryAfterMs !== null) return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
  return jittered;
}
