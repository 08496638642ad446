/**
 * The alarm loop on fake timers: when it wakes, that one pass runs at a time,
 * that stop() waits for the pass in flight, and how failures are handled.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log.js';
import { StoreError } from '../store/errors.js';
import { createAlarmLoop, type NextWake, sleepBefore } from './alarm-loop.js';

const MAX_SLEEP_MS = 500;
const MIN_SLEEP_MS = 20;

describe('sleepBefore', () => {
  const at = 1_000_000;
  it.each([
    ['more work waiting', 'now', 0],
    ['nothing known to be due', null, MAX_SLEEP_MS],
    ['due in 100 ms', at + 100, 100],
    ['due later than the longest sleep', at + 10_000, MAX_SLEEP_MS],
    ['due now (a row held by a dead lease)', at, MIN_SLEEP_MS],
    ['due in the past', at - 5_000, MIN_SLEEP_MS],
    ['due in 5 ms, under the shortest sleep', at + 5, MIN_SLEEP_MS],
  ] as [string, NextWake, number][])('%s', (_, next, expected) => {
    expect(sleepBefore(next, at, { maxSleepMs: MAX_SLEEP_MS, minSleepMs: MIN_SLEEP_MS })).toBe(expected);
  });

  it('has no shortest sleep by default', () => {
    expect(sleepBefore(at - 1, at, { maxSleepMs: MAX_SLEEP_MS })).toBe(0);
  });
});

describe('createAlarmLoop', () => {
  let warnings: string[];
  const logger = createLogger({
    level: 'warn',
    write: (line) => warnings.push((JSON.parse(line) as { msg: string }).msg),
  });
  beforeEach(() => {
    warnings = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A loop whose pass answers from a script (then `null`) and counts its runs. */
  const loopOf = (answers: (NextWake | Error)[], extra: { minSleepMs?: number } = {}) => {
    const calls = { count: 0 };
    const loop = createAlarmLoop({
      name: 'test worker',
      maxSleepMs: MAX_SLEEP_MS,
      now: () => Date.now(),
      logger,
      ...extra,
      pass: async () => {
        calls.count++;
        const answer = answers.shift() ?? null;
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    return { loop, calls };
  };

  it('runs a pass at start, then wakes at the due instant it names', async () => {
    const { loop, calls } = loopOf([Date.now() + 100]);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.count).toBe(2);
    await loop.stop();
  });

  it('sleeps at most maxSleepMs when nothing is due, and not at all after a full batch', async () => {
    const { loop, calls } = loopOf(['now', 'now', null]);
    loop.start();
    // The passes after 'now' run on zero-delay timers (the fake clock moves each by at most 1 ms).
    await vi.advanceTimersByTimeAsync(10);
    expect(calls.count).toBe(3);
    await vi.advanceTimersByTimeAsync(MAX_SLEEP_MS - 20);
    expect(calls.count).toBe(3);
    await vi.advanceTimersByTimeAsync(20);
    expect(calls.count).toBe(4);
    await loop.stop();
  });

  it('waits minSleepMs before a row that is already due', async () => {
    const { loop, calls } = loopOf([Date.now() - 1], { minSleepMs: MIN_SLEEP_MS });
    loop.start();
    await vi.advanceTimersByTimeAsync(MIN_SLEEP_MS - 1);
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.count).toBe(2);
    await loop.stop();
  });

  it('start is idempotent', async () => {
    const { loop, calls } = loopOf([]);
    loop.start();
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(1);
    await loop.stop();
  });

  it('stops for good on not_supported, with one warning line naming the worker', async () => {
    const { loop, calls } = loopOf([new StoreError('not_supported', 'churn is not yet available')]);
    loop.start();
    await vi.advanceTimersByTimeAsync(10 * MAX_SLEEP_MS);
    expect(calls.count).toBe(1);
    expect(warnings).toEqual(['test worker stopped: the store does not support it']);
    // wake() after it stopped itself does nothing either.
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(1);
    await loop.stop();
  });

  it('retries after maxSleepMs when a pass fails otherwise', async () => {
    const { loop, calls } = loopOf([new StoreError('store_unavailable', 'busy'), new Error('boom')]);
    loop.start();
    await vi.advanceTimersByTimeAsync(MAX_SLEEP_MS - 1);
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.count).toBe(2);
    await vi.advanceTimersByTimeAsync(MAX_SLEEP_MS);
    expect(calls.count).toBe(3);
    expect(warnings).toEqual(['test worker pass failed', 'test worker pass failed']);
    await loop.stop();
  });

  it('stop() waits for the pass in flight and no pass follows it', async () => {
    let finish = () => {};
    let finished = false;
    let calls = 0;
    const loop = createAlarmLoop({
      name: 'test worker',
      maxSleepMs: MAX_SLEEP_MS,
      pass: async () => {
        calls++;
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        finished = true;
        return 'now';
      },
    });
    loop.start();
    let stopDone = false;
    const stopping = loop.stop().then(() => {
      stopDone = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopDone).toBe(false);
    finish();
    await stopping;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(10 * MAX_SLEEP_MS);
    expect(calls).toBe(1);
  });

  it('wake() runs a pass at once, or right after the one in flight, once however often it is called', async () => {
    const gates: (() => void)[] = [];
    let calls = 0;
    const loop = createAlarmLoop({
      name: 'test worker',
      maxSleepMs: MAX_SLEEP_MS,
      pass: async () => {
        calls++;
        await new Promise<void>((resolve) => gates.push(resolve));
        return null;
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    loop.wake();
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    gates.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    gates.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    // Asleep now: wake() cuts the sleep short.
    expect(calls).toBe(2);
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(3);
    gates.shift()?.();
    await loop.stop();
    // stop() cleared the alarm: nothing runs after it.
    await vi.advanceTimersByTimeAsync(10 * MAX_SLEEP_MS);
    expect(calls).toBe(3);
  });
});
