/**
 * The alarm clock every background worker shares. Scheduled work is rows with
 * a due time and a lease in the store; this loop only decides when to ask the
 * store again: at once when a pass says more is waiting, at the next due
 * instant it names, and at most `maxSleepMs` later in any case (a row due
 * sooner may have been written by another collector). One pass runs at a time;
 * `stop()` waits for it, so no row stays claimed by a stopped process.
 */
import { type Logger, silentLogger } from '../log.js';
import { StoreError } from '../store/errors.js';

/**
 * What a pass answers: `'now'` (a full batch was claimed, more is waiting: run
 * again without sleeping), the epoch ms at which the next row is due, or `null`
 * when nothing is known to be due (sleep `maxSleepMs`).
 */
export type NextWake = 'now' | number | null;

export interface AlarmLoopOptions {
  /** Names the worker in its log lines: `${name} stopped: ...`, `${name} pass failed`. */
  name: string;
  /** Claims and does due work, then says when to wake next. */
  pass: () => Promise<NextWake>;
  /** Longest sleep between passes. */
  maxSleepMs: number;
  /**
   * Shortest sleep before a due instant, so a row that stays due (held by a
   * dead claimer's lease) cannot spin the loop. Default 0. `'now'` skips it.
   */
  minSleepMs?: number;
  logger?: Logger;
  /** Epoch ms; default `Date.now`. */
  now?: () => number;
}

export interface AlarmLoop {
  /** Runs a pass now and keeps waking (idempotent). */
  start(): void;
  /** Stops waking and waits for the pass in flight. */
  stop(): Promise<void>;
  /**
   * Runs a pass now instead of at the alarm (work finished and may have freed
   * a row); while one is in flight, another follows it at once. No-op when stopped.
   */
  wake(): void;
}

/** How long to sleep after a pass that answered `next`. */
export function sleepBefore(
  next: NextWake,
  at: number,
  { maxSleepMs, minSleepMs = 0 }: Pick<AlarmLoopOptions, 'maxSleepMs' | 'minSleepMs'>,
): number {
  if (next === 'now') return 0;
  if (next === null) return maxSleepMs;
  return Math.min(maxSleepMs, Math.max(minSleepMs, next - at));
}

/**
 * A failing pass is retried at the next alarm (the store may be closing or
 * briefly failing), except a store's `not_supported`: that area will never have
 * due rows on this store, so the loop stops with one warning line.
 *
 * @example
 * const loop = createAlarmLoop({
 *   name: 'activation scheduler',
 *   maxSleepMs: 500,
 *   pass: async () => ((await claimAndWork()) ? 'now' : store.nextDueAt()),
 *   logger,
 * });
 * loop.start(); // ... await loop.stop() before store.close()
 */
export function createAlarmLoop(options: AlarmLoopOptions): AlarmLoop {
  const { name, pass, maxSleepMs, minSleepMs = 0 } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  let stopped = true;
  let timer: NodeJS.Timeout | null = null;
  let passing: Promise<void> | null = null;
  // A wake() that came during a pass: run another as soon as it ends.
  let again = false;

  const tick = async (): Promise<void> => {
    timer = null;
    let delay = maxSleepMs;
    try {
      delay = sleepBefore(await pass(), now(), { maxSleepMs, minSleepMs });
    } catch (error) {
      if (error instanceof StoreError && error.code === 'not_supported') {
        logger.warn(`${name} stopped: the store does not support it`, { error: error.message });
        stopped = true;
      } else {
        logger.warn(`${name} pass failed`, { error: String(error) });
      }
    }
    if (!stopped && !again) timer = setTimeout(run, delay);
  };

  const disarm = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const run = (): void => {
    if (stopped) return;
    if (passing) {
      again = true;
      return;
    }
    passing = tick().finally(() => {
      passing = null;
      if (!again) return;
      again = false;
      disarm();
      run();
    });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      // NOTE: restarted while the last pass is still in flight, that pass arms the timer when it ends.
      if (!passing) run();
    },
    async stop() {
      stopped = true;
      disarm();
      await passing;
    },
    wake() {
      if (stopped) return;
      disarm();
      run();
    },
  };
}
