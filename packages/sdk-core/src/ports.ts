/**
 * The ports a tracker is built from. Each runtime (browser, Node) supplies
 * adapters; the core never touches a platform API itself.
 */
import type { BatchRequest, IngestResponse, Message } from '@exhaust/schema';

/** One captured event as it waits in storage: one key per event (its messageId). */
export interface QueuedEvent {
  /** The messageId; the storage key. */
  id: string;
  /** Consent category the event belongs to (`analytics` unless told otherwise). */
  category: string;
  /** Capture time, ms since the epoch (bounds the age of the queue); strictly increasing per tracker, so it orders sends. */
  capturedAt: number;
  message: Message;
}

/**
 * Durable event storage, one entry per event. Writes come in small batches
 * from the queue's write-behind buffer; an entry is removed only after the
 * collector acknowledged (or finally refused) it. Browser: IndexedDB; Node: disk.
 */
export interface EventStorage {
  putMany(events: QueuedEvent[]): Promise<void>;
  removeMany(ids: string[]): Promise<void>;
  /** Every stored event, in any order. */
  list(): Promise<QueuedEvent[]>;
  clear(): Promise<void>;
}

export interface SendOptions {
  /**
   * The page is going away: use a transport that outlives it (`sendBeacon`,
   * `fetch(..., { keepalive: true })`); the body fits `MAX_BEACON_BYTES`.
   */
  keepalive?: boolean;
}

/**
 * Sends one batch. Resolves with the collector's answer, or null when the
 * transport cannot know it (`sendBeacon`): then the events stay stored and are
 * sent again later (the collector dedupes by messageId). Throws `NetworkError`
 * when no answer came and `HttpStatusError` on a non-2xx status.
 */
export interface Transport {
  send(batch: BatchRequest, options?: SendOptions): Promise<IngestResponse | null>;
}

/** Runs `fn` while holding a lock shared by every instance on the device (Web Locks in browsers). */
export interface Lock {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export interface Logger {
  debug(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
}

/** Timers, injectable so tests control time and Node can `unref()` them. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const silentLogger: Logger = { debug() {}, warn() {} };

// NOTE: the core compiles without DOM or Node typings (it runs in both); these timers exist in both.
declare const setTimeout: (fn: () => void, ms: number) => unknown;
declare const clearTimeout: (handle: unknown) => void;

export const defaultScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

/** A lock for a single instance: serializes callers in order. */
export function createLocalLock(): Lock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(fn) {
      const result = tail.then(fn, fn);
      tail = result.catch(() => {});
      return result;
    },
  };
}
