import { describe, expect, it } from 'vitest';
import { backoffDelayMs, MAX_RETRY_AFTER_MS, parseRetryAfter } from './backoff.js';

describe('backoffDelayMs', () => {
  const half = () => 0.5;
  it.each([
    // attempt, random, retryAfterMs, expected (base 1000, max 60000)
    [0, 0.5, null, 500],
    [1, 0.5, null, 1000],
    [2, 0.5, null, 2000],
    [5, 0.5, null, 16_000],
    [6, 0.5, null, 30_000],
    [7, 0.5, null, 30_000],
    [50, 0.999, null, 59_940],
    [0, 0, null, 0],
    [3, 0.5, 10_000, 10_000],
    [3, 0.5, 1000, 4000],
    [0, 0.5, 10 * MAX_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS],
  ])('attempt %i, random %d, Retry-After %s -> %i ms', (attempt, random, retryAfter, expected) => {
    expect(backoffDelayMs(attempt, { random: () => random }, retryAfter)).toBe(expected);
  });

  it('takes its base and cap from options', () => {
    expect(backoffDelayMs(3, { baseMs: 10, maxMs: 50, random: half })).toBe(25);
  });

  it('stays within [0, cap) for any randomness', () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const delay = backoffDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(60_000, 1000 * 2 ** attempt));
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it.each([
    [null, null],
    ['', null],
    ['0', 0],
    ['3', 3000],
    [' 120 ', 120_000],
    ['Wed, 25 Nov 2026 12:00:30 GMT', 30_000],
    ['Wed, 25 Nov 2026 11:00:00 GMT', 0],
    ['soon', null],
    ['-5', null],
  ])('%j -> %s', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
