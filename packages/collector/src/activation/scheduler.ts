/**
 * The activation scheduler: re-evaluates profiles whose computed values or
 * memberships change with time alone, and runs the backfill of new
 * definitions. Nothing lives only here: due rows and their leases are in the
 * store, so a restart (or another collector on the same database) picks up
 * where this one stopped. The timer is only an alarm clock: it wakes at the
 * next due instant, and at least every SCHEDULER_MAX_SLEEP_MS to see rows
 * written since it last looked.
 */
import { randomUUID } from 'node:crypto';
import { type Logger, silentLogger } from '../log.js';
import { StoreError } from '../store/errors.js';
import type { Store } from '../store/store.js';

/** Longest the scheduler sleeps before asking the store again (a row due sooner may have been written). */
export const SCHEDULER_MAX_SLEEP_MS = 500;
/** Shortest sleep after a pass that found nothing to do, so a row held by a dead lease cannot spin the loop. */
export const SCHEDULER_MIN_SLEEP_MS = 5;
/** How long a claim holds before another process may take the row (the claimer died). */
export const SCHEDULER_LEASE_MS = 30_000;
/** Profiles claimed and re-evaluated per transaction. */
export const SCHEDULER_CLAIM_LIMIT = 500;
/** Profiles evaluated per backfill transaction. */
export const BACKFILL_CHUNK_PROFILES = 500;

export interface SchedulerOptions {
  store: Store;
  logger?: Logger;
  /** Epoch ms; default `Date.now`. */
  now?: () => number;
}

export interface ActivationScheduler {
  /** Starts the alarm clock (idempotent). */
  start(): void;
  /** Stops it and waits for a pass in flight, so no claimed row stays leased. */
  stop(): Promise<void>;
  /** Runs one pass now (tests); resolves when it is done. */
  runOnce(): Promise<void>;
}

/**
 * @example
 * const scheduler = createActivationScheduler({ store, logger });
 * scheduler.start(); // ... await scheduler.stop() before store.close()
 */
export function createActivationScheduler(options: SchedulerOptions): ActivationScheduler {
  const { store } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  // One owner per process: leases name who may finish a claimed row.
  const owner = `sched-${randomUUID()}`;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let stopped = true;
  let inFlight: Promise<void> | null = null;

  /** One pass: due profiles first, then a backfill chunk. Answers whether more work is waiting. */
  const pass = async (): Promise<boolean> => {
    let more = false;
    const claimed = await store.claimDue({
      now: now(),
      owner,
      leaseMs: SCHEDULER_LEASE_MS,
      limit: SCHEDULER_CLAIM_LIMIT,
    });
    if (claimed.length > 0) {
      await store.reevaluate({ profileIds: claimed, owner, now: now() });
      more = claimed.length === SCHEDULER_CLAIM_LIMIT;
    }
    const backfill = await store.backfillStep({ now: now(), limit: BACKFILL_CHUNK_PROFILES });
    return more || backfill.remaining;
  };

  const tick = async (): Promise<void> => {
    timer = null;
    let delay = SCHEDULER_MAX_SLEEP_MS;
    try {
      const more = await pass();
      if (more) delay = 0;
      else {
        const next = await store.nextDueAt();
        if (next !== null) {
          delay = Math.min(SCHEDULER_MAX_SLEEP_MS, Math.max(SCHEDULER_MIN_SLEEP_MS, next - now()));
        }
      }
    } catch (error) {
      if (error instanceof StoreError && error.code === 'not_supported') {
        // This store has no activation yet: nothing will ever be due, so stop instead of retrying.
        logger.warn('activation scheduler stopped: the store does not support it', { error: error.message });
        stopped = true;
      } else {
        // The store may be closing or briefly failing: try again at the next alarm.
        logger.warn('activation scheduler pass failed', { error: String(error) });
      }
    }
    if (!stopped) timer = setTimeout(run, delay);
  };

  const run = (): void => {
    if (running) return;
    running = true;
    inFlight = tick().finally(() => {
      running = false;
      inFlight = null;
    });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      run();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
    async runOnce() {
      await pass();
    },
  };
}
