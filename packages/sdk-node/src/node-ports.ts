/**
 * Node adapters for the core's small ports: timers that never keep an idle
 * process alive, a hold that does keep it alive while a flush is awaited, and
 * a console logger for `debug: true`.
 */
import type { Logger, Scheduler } from '@exhaust/core';

/**
 * Delayed timers (the flush interval, backoff waits) are `unref()`ed, so an
 * idle client never keeps a process alive. Zero-delay timers (write-behind,
 * a flush due now) stay referenced: that work is owed to events already
 * captured. `flush()` and `shutdown()` hold the process open themselves.
 */
export const nodeScheduler: Scheduler = {
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    if (ms > 0) timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Longest interval Node accepts; the hold's timer never fires, it only counts as pending work. */
const HOLD_INTERVAL_MS = 2 ** 31 - 1;

export interface KeepAlive {
  /** Runs `fn` with the process held open until it settles. */
  during<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * @example const keepAlive = createKeepAlive(); await keepAlive.during(() => tracker.flush());
 */
export function createKeepAlive(): KeepAlive {
  let holders = 0;
  let timer: NodeJS.Timeout | null = null;
  return {
    async during(fn) {
      if (holders++ === 0) timer = setInterval(() => {}, HOLD_INTERVAL_MS);
      try {
        return await fn();
      } finally {
        if (--holders === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      }
    },
  };
}

export const consoleLogger: Logger = {
  debug: (message, detail) => console.debug(`[exhaust] ${message}`, ...(detail === undefined ? [] : [detail])),
  warn: (message, detail) => console.warn(`[exhaust] ${message}`, ...(detail === undefined ? [] : [detail])),
};
