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
import { createAlarmLoop } from '../scheduling/alarm-loop.js';
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
  /** How long a claim holds; default `SCHEDULER_LEASE_MS` (config `activation.schedulerLeaseMs`). */
  leaseMs?: number;
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
  const leaseMs = options.leaseMs ?? SCHEDULER_LEASE_MS;
  // One owner per process: leases name who may finish a claimed row.
  const owner = `sched-${randomUUID()}`;

  /** One pass: due profiles first, then a backfill chunk. Answers whether more work is waiting. */
  const work = async (): Promise<boolean> => {
    let more = false;
    const claimed = await store.claimDue({
      now: now(),
      owner,
      leaseMs,
      limit: SCHEDULER_CLAIM_LIMIT,
    });
    if (claimed.length > 0) {
      await store.reevaluate({ profileIds: claimed, owner, now: now() });
      more = claimed.length === SCHEDULER_CLAIM_LIMIT;
    }
    const backfill = await store.backfillStep({ now: now(), limit: BACKFILL_CHUNK_PROFILES });
    return more || backfill.remaining;
  };

  const loop = createAlarmLoop({
    name: 'activation scheduler',
    maxSleepMs: SCHEDULER_MAX_SLEEP_MS,
    minSleepMs: SCHEDULER_MIN_SLEEP_MS,
    logger,
    now,
    pass: async () => ((await work()) ? 'now' : store.nextDueAt()),
  });

  return {
    start: loop.start,
    stop: loop.stop,
    async runOnce() {
      await work();
    },
  };
}
