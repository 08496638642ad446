/**
 * Durations of activation windows and half-lives: "45s", "10m", "12h", "30d".
 * Seconds exist because tests (and flash sales) need them.
 */

const SECOND_MS = 1000;
const UNIT_MS: Record<string, number> = { s: SECOND_MS, m: 60 * SECOND_MS, h: 3600 * SECOND_MS, d: 86_400 * SECOND_MS };

/** Default longest `within` / `halfLife` a definition may use: 400 days (a year plus a season for year-over-year). */
export const DEFAULT_MAX_WINDOW_MS = 400 * 86_400 * SECOND_MS;

/** Digits beyond this cannot be a sensible window and would lose precision. */
const MAX_DURATION_DIGITS = 9;

/**
 * Parses a duration to milliseconds; null when malformed or zero.
 *
 * @example
 * parseDuration('30d'); // 2_592_000_000
 * parseDuration('1.5h'); // null
 */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match || match[1]!.length > MAX_DURATION_DIGITS) return null;
  const amount = Number(match[1]);
  if (amount === 0) return null;
  return amount * UNIT_MS[match[2]!]!;
}
