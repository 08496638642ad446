import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRY_AFTER_MS, nextRetryDelay } from './schedule.js';

describe('nextRetryDelay', () => {
  it.each([
    [1, 5_000],
    [2, 300_000],
    [3, 1_800_000],
    [4, 7_200_000],
    [5, 18_000_000],
    [6, 36_000_000],
    [7, 36_000_000],
    [8, null],
  ])('after failed attempt %i waits %s ms (no jitter)', (failed, expected) => {
    expect(nextRetryDelay(DEFAULT_RETRY_SCHEDULE_MS, failed, null, () => 0)).toBe(expected);
  });

  it('adds up to 10% jitter', () => {
    expect(nextRetryDelay([1000], 1, null, () => 0.999)).toBe(1100);
    expect(nextRetryDelay([1000], 1, null, () => 0.5)).toBe(1050);
  });

  it('honours a later retry-after, capped, but never retries sooner than the schedule', () => {
    expect(nextRetryDelay([1000], 1, 7000, () => 0)).toBe(7000);
    expect(nextRetryDelay([10_000], 1, 2000, () => 0)).toBe(10_000);
    expect(nextRetryDelay([1000], 1, 10 * MAX_RETRY_AFTER_MS, () => 0)).toBe(MAX_RETRY_AFTER_MS);
    expect(nextRetryDelay([1000], 2, 7000, () => 0)).toBeNull();
  });
});
