/**
 * The scheduled retention pass: on start, then every `RETENTION_INTERVAL_MS`,
 * the store removes events older than now − `retention.events`. Every
 * collector runs it; the store makes concurrent passes safe (PostgreSQL: one
 * pass at a time across collectors, the others skip; a second pass finds
 * nothing left to remove).
 */
import { type Logger, silentLogger } from '../log.js';
import { createAlarmLoop } from '../scheduling/alarm-loop.js';
import type { RetentionResult, Store } from '../store/store.js';

/** Time between two retention passes: events go at most this much later than their age allows. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export interface RetentionScheduler {
  start(): void;
  /** Stops and waits for a pass in flight. */
  stop(): Promise<void>;
  /** One pass now (tests): answers what it removed. */
  runOnce(): Promise<RetentionResult>;
}

/**
 * @example
 * const retention = createRetentionScheduler({ store, retentionMs: config.retention.eventsMs, logger });
 * retention.start(); // ... await retention.stop() before store.close()
 */
export function createRetentionScheduler(options: {
  store: Store;
  /** Events older than this (corrected timestamp) are removed. */
  retentionMs: number;
  logger?: Logger;
  now?: () => number;
}): RetentionScheduler {
  const { store, retentionMs } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;

  const runOnce = async (): Promise<RetentionResult> => {
    const before = new Date(now() - retentionMs).toISOString();
    const result = await store.applyRetention({ before });
    if (result.events > 0 || result.partitions.length > 0) {
      logger.info('events removed by retention', { before, events: result.events, partitions: result.partitions });
    }
    return result;
  };

  const loop = createAlarmLoop({
    name: 'event retention',
    maxSleepMs: RETENTION_INTERVAL_MS,
    logger,
    now,
    pass: async () => {
      await runOnce();
      return null;
    },
  });

  return { start: loop.start, stop: loop.stop, runOnce };
}
