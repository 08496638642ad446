/**
 * The scheduled churn refit. Like due profiles, the schedule is a row in the
 * store with a due time and a lease: whichever collector is free claims it,
 * fits, and saving the fit re-arms it `refitEvery` later. A claimer that dies
 * mid-fit loses its lease after CHURN_REFIT_LEASE_MS and another one takes over.
 */
import { randomUUID } from 'node:crypto';
import { type Logger, silentLogger } from '../log.js';
import { createAlarmLoop } from '../scheduling/alarm-loop.js';
import type { Store } from '../store/store.js';
import type { ChurnService } from './service.js';

/** How long a refit claim holds (a fit of 100,000 purchasers takes seconds, not minutes). */
export const CHURN_REFIT_LEASE_MS = 10 * 60 * 1000;
/** Longest sleep before asking the store again (another collector, or a manual fit, may have moved the due time). */
export const CHURN_REFIT_MAX_SLEEP_MS = 60_000;

export interface ChurnRefitScheduler {
  start(): void;
  /** Stops and waits for a fit in flight. */
  stop(): Promise<void>;
  /** One pass now (tests): fits when due; answers whether it did. */
  runOnce(): Promise<boolean>;
}

/**
 * @example
 * const refit = createChurnRefitScheduler({ store, churn, logger });
 * refit.start(); // ... await refit.stop() before store.close()
 */
export function createChurnRefitScheduler(options: {
  store: Store;
  churn: ChurnService;
  logger?: Logger;
  now?: () => number;
}): ChurnRefitScheduler {
  const { store, churn } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const owner = `churn-${randomUUID()}`;

  const refitIfDue = async (): Promise<boolean> => {
    if (!(await store.claimChurnRefit({ now: now(), owner, leaseMs: CHURN_REFIT_LEASE_MS }))) return false;
    const fit = await churn.fit();
    logger.info('churn model refitted', { status: fit.status, customers: fit.customers, converged: fit.converged });
    return true;
  };

  const loop = createAlarmLoop({
    name: 'churn refit',
    maxSleepMs: CHURN_REFIT_MAX_SLEEP_MS,
    logger,
    now,
    pass: async () => {
      await refitIfDue();
      return store.nextChurnRefitAt();
    },
  });

  return { start: loop.start, stop: loop.stop, runOnce: refitIfDue };
}
