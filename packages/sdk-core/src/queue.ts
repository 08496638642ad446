/**
 * The durable send queue: write-behind to storage, batching by count and
 * bytes, retries with backoff, acknowledgement-driven deletion, bounds.
 * Storage is the source of truth; memory only holds what this instance
 * captured and has not seen acknowledged yet.
 */
import type { BatchRequest, IngestResponse } from '@exhaust/schema';
import { MAX_BEACON_BYTES, MAX_BODY_BYTES, MAX_EVENT_BYTES } from '@exhaust/schema/constants';
import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import { classifyStatus } from './classify-status.js';
import { HttpStatusError } from './errors.js';
import {
  createLocalLock,
  defaultScheduler,
  type EventStorage,
  type Lock,
  type Logger,
  type QueuedEvent,
  type Scheduler,
  silentLogger,
  type Transport,
} from './ports.js';
import { utf8Length } from './utf8.js';

/** Default time between two automatic flushes while events wait. */
export const FLUSH_INTERVAL_MS = 5000;
/** Default number of waiting events that triggers a flush at once. */
export const FLUSH_AT_EVENTS = 20;
/** Default most events in one request. */
export const BATCH_MAX_EVENTS = 100;
/** Room kept in every request for the envelope (`writeKey`, `sentAt`, `dropped`). */
export const ENVELOPE_RESERVE_BYTES = 512;
/** What `sentAt` adds to each message when it is sent. */
const SENT_AT_BYTES = 40;
/** Default most events kept waiting; the oldest are dropped beyond it. */
export const MAX_QUEUE_EVENTS = 10_000;
/** Default oldest age of a waiting event; older ones are dropped. */
export const MAX_EVENT_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Events per storage write: small enough that a write never blocks a frame. */
export const WRITE_BATCH_EVENTS = 50;
/** Default backoff retries one `flush()` call waits through before it resolves, leaving the rest queued. */
export const FLUSH_RETRIES = 3;

/** Why events left the queue without being stored by the collector. */
export type DropReason =
  | 'rejected'
  | 'http_status'
  | 'too_large'
  | 'queue_full'
  | 'expired'
  | 'retries_exhausted'
  | 'consent';

export interface QueueOptions {
  storage: EventStorage;
  transport: Transport;
  /** Held while flushing, so one instance per device flushes at a time. Default: this instance only. */
  lock?: Lock;
  logger?: Logger;
  scheduler?: Scheduler;
  now?: () => number;
  /** Randomness for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** Default {@link FLUSH_INTERVAL_MS}. */
  flushIntervalMs?: number;
  /** Default {@link FLUSH_AT_EVENTS}. */
  flushAt?: number;
  /** Default {@link BATCH_MAX_EVENTS}. */
  maxBatchEvents?: number;
  /** Default `MAX_BODY_BYTES` of the wire contract. */
  maxBatchBytes?: number;
  /** Default {@link MAX_QUEUE_EVENTS}. */
  maxQueueEvents?: number;
  /** Default {@link MAX_EVENT_AGE_MS}. */
  maxEventAgeMs?: number;
  /** Failed sends after which an event is dropped. Default: never (a device may be offline for days). */
  maxAttempts?: number;
  /** Default {@link FLUSH_RETRIES}. */
  flushRetries?: number;
  backoff?: BackoffOptions;
  onDrop?: (events: QueuedEvent[], reason: DropReason) => void;
  onSent?: (events: QueuedEvent[], response: IngestResponse | null) => void;
  onError?: (error: unknown) => void;
}

export interface Queue {
  /** Takes an event; returns at once (storage is written behind, in small batches). */
  enqueue(event: QueuedEvent): void;
  /** Resolves when every event enqueued so far is acknowledged, dropped, or still failing after the retries. */
  flush(): Promise<void>;
  /** The page is going away: send what this instance holds in one keepalive request, synchronously. */
  flushKeepalive(): void;
  /** Sends now, forgetting any backoff wait (the device came back online). */
  kick(): void;
  /** Removes matching events from memory and storage (e.g. a denied consent category). */
  purge(match: (event: QueuedEvent) => boolean, reason?: DropReason): Promise<void>;
  /** Forgets everything, in memory and storage, without reporting drops. */
  clear(): Promise<void>;
  /** Starts the interval timer and a first flush of what an earlier run left in storage. */
  start(): void;
  stop(): void;
  /** Events this instance captured and has not seen acknowledged or dropped. */
  size(): number;
}

type PassResult = { retry: false } | { retry: true; retryAfterMs: number | null };
const DONE: PassResult = { retry: false };

/**
 * @example
 * const queue = createQueue({ storage: createMemoryStorage(), transport });
 * queue.start();
 * queue.enqueue({ id, category: 'analytics', capturedAt: Date.now(), message });
 * await queue.flush();
 */
export function createQueue(options: QueueOptions): Queue {
  const {
    storage,
    transport,
    lock = createLocalLock(),
    logger = silentLogger,
    scheduler = defaultScheduler,
    now = Date.now,
    flushIntervalMs = FLUSH_INTERVAL_MS,
    flushAt = FLUSH_AT_EVENTS,
    maxBatchEvents = BATCH_MAX_EVENTS,
    maxBatchBytes = MAX_BODY_BYTES,
    maxQueueEvents = MAX_QUEUE_EVENTS,
    maxEventAgeMs = MAX_EVENT_AGE_MS,
    maxAttempts = Infinity,
    flushRetries = FLUSH_RETRIES,
  } = options;
  const backoff: BackoffOptions = { random: options.random, ...options.backoff };
  const local = createLocalLock();
  /** Events this instance captured and has not seen acknowledged (insertion order is capture order). */
  const known = new Map<string, QueuedEvent>();
  /** Which of `known` are in storage already. */
  const written = new Set<string>();
  const attempts = new Map<string, number>();
  /** Ids in a request right now: a second keepalive flush (visibilitychange, then pagehide) skips them. */
  const sending = new Set<string>();
  let unwritten: QueuedEvent[] = [];
  let writing: Promise<void> | null = null;
  let writeTimer: unknown = null;
  let intervalTimer: unknown = null;
  let retryTimer: unknown = null;
  let running = false;
  let failures = 0;
  let stored = 0;
  let dropped = 0;
  let stopped = true;

  const report = (error: unknown) => {
    logger.debug('exhaust', error);
    options.onError?.(error);
  };

  async function remove(events: QueuedEvent[]) {
    const ids = events.map((event) => event.id);
    for (const id of ids) {
      known.delete(id);
      written.delete(id);
      attempts.delete(id);
    }
    if (ids.length > 0) await storage.removeMany(ids).catch(report);
  }

  async function drop(events: QueuedEvent[], reason: DropReason) {
    if (events.length === 0) return;
    dropped += events.length;
    logger.debug(`dropped ${events.length} event(s): ${reason}`);
    await remove(events);
    options.onDrop?.(events, reason);
  }

  function writeBehind(): Promise<void> {
    writing ??= (async () => {
      while (unwritten.length > 0) {
        const chunk = unwritten.splice(0, WRITE_BATCH_EVENTS).filter((event) => known.has(event.id));
        // NOTE: a chunk that fails to write stays in `known`: the next pass sends it from memory.
        if (chunk.length > 0) {
          await storage.putMany(chunk).then(() => {
            for (const event of chunk) if (known.has(event.id)) written.add(event.id);
          }, report);
        }
      }
    })().finally(() => {
      writing = null;
    });
    return writing;
  }

  /** Everything waiting, oldest first: storage (every instance's) plus what this one holds in memory. */
  async function all(): Promise<QueuedEvent[]> {
    await writeBehind();
    const before = [...written];
    const listed = await storage.list().catch((error: unknown) => {
      report(error);
      return [] as QueuedEvent[];
    });
    const ids = new Set(listed.map((event) => event.id));
    // Written here, gone from storage: another instance got them acknowledged.
    await remove(before.filter((id) => !ids.has(id)).map((id) => known.get(id)!));
    for (const event of known.values()) if (!ids.has(event.id)) listed.push(event);
    return listed.sort((a, b) => a.capturedAt - b.capturedAt);
  }

  const sizeOf = (event: QueuedEvent) => utf8Length(JSON.stringify(event.message)) + SENT_AT_BYTES;

  /** The oldest events that fit one request (always at least one). */
  function takeBatch(events: QueuedEvent[], budgetBytes: number): QueuedEvent[] {
    let bytes = ENVELOPE_RESERVE_BYTES;
    let count = 0;
    for (const event of events) {
      bytes += sizeOf(event);
      if (count === maxBatchEvents || (count > 0 && bytes > budgetBytes)) break;
      count++;
    }
    return events.slice(0, count);
  }

  async function failed(batch: QueuedEvent[], retryAfterMs: number | null): Promise<PassResult> {
    const exhausted = batch.filter((event) => {
      const count = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, count);
      return count >= maxAttempts;
    });
    await drop(exhausted, 'retries_exhausted');
    return { retry: true, retryAfterMs };
  }

  /** Sends one batch and settles it. The transport is called synchronously (keepalive needs that). */
  async function send(batch: QueuedEvent[], keepalive?: boolean): Promise<PassResult> {
    const reported = dropped;
    const sentAt = new Date(now()).toISOString();
    const body: BatchRequest = { batch: batch.map((event) => ({ ...event.message, sentAt })), sentAt };
    if (dropped > 0) body.dropped = dropped;
    let response: IngestResponse | null;
    for (const event of batch) sending.add(event.id);
    try {
      response = await transport.send(body, keepalive ? { keepalive } : undefined);
    } catch (error) {
      report(error);
      if (!(error instanceof HttpStatusError)) return failed(batch, null);
      const verdict = classifyStatus(error.status);
      if (verdict === 'retry') return failed(batch, error.retryAfterMs);
      if ((error.status === 413 || error.status === 400) && batch.length > 1) {
        // NOTE: bisect, so one poison or oversized event costs only itself.
        const half = Math.ceil(batch.length / 2);
        const first = await send(batch.slice(0, half), keepalive);
        return first.retry ? first : send(batch.slice(half), keepalive);
      }
      await drop(batch, 'http_status');
      return DONE;
    } finally {
      for (const event of batch) sending.delete(event.id);
    }
    // Unconfirmed (a beacon): keep everything stored; a later send gets it acknowledged.
    if (response === null) return DONE;
    dropped = Math.max(0, dropped - reported);
    const rejected = new Set(response.rejected.map((entry) => entry.index));
    const refused = batch.filter((_, index) => rejected.has(index));
    const accepted = batch.filter((_, index) => !rejected.has(index));
    if (refused.length > 0) logger.warn('the collector rejected invalid events', response.rejected);
    await drop(refused, 'rejected');
    await remove(accepted);
    options.onSent?.(accepted, response);
    return DONE;
  }

  /** One pass: persist what waits, read storage, enforce bounds, send every batch until one fails. */
  function pass(): Promise<PassResult> {
    return local.run(() =>
      lock.run(async () => {
        let events = await all();
        const cutoff = now() - maxEventAgeMs;
        await drop(
          events.filter((event) => event.capturedAt < cutoff),
          'expired',
        );
        events = events.filter((event) => event.capturedAt >= cutoff);
        await drop(events.slice(0, Math.max(0, events.length - maxQueueEvents)), 'queue_full');
        events = events.slice(-maxQueueEvents);
        await drop(
          events.filter((event) => sizeOf(event) > MAX_EVENT_BYTES),
          'too_large',
        );
        events = events.filter((event) => sizeOf(event) <= MAX_EVENT_BYTES);
        for (stored = events.length; stored > 0; stored = events.length) {
          const batch = takeBatch(events, maxBatchBytes);
          const result = await send(batch);
          if (result.retry) return result;
          events = events.slice(batch.length);
        }
        return DONE;
      }),
    );
  }

  /** The automatic loop: one pass at a time, backing off after failures. */
  async function background() {
    if (running || retryTimer !== null) return;
    running = true;
    try {
      const result = await pass();
      failures = result.retry ? failures + 1 : 0;
      if (result.retry && !stopped) {
        retryTimer = scheduler.setTimeout(
          () => {
            retryTimer = null;
            void background();
          },
          backoffDelayMs(failures - 1, backoff, result.retryAfterMs),
        );
      }
    } catch (error) {
      report(error);
    }
    running = false;
    if (!stopped && retryTimer === null && known.size >= flushAt) void background();
  }

  function tick() {
    intervalTimer = scheduler.setTimeout(tick, flushIntervalMs);
    if (known.size + stored > 0) void background();
  }

  return {
    enqueue(event) {
      known.set(event.id, event);
      unwritten.push(event);
      if (known.size > maxQueueEvents) {
        const oldest = known.values().next().value!;
        unwritten = unwritten.filter((entry) => entry !== oldest);
        void drop([oldest], 'queue_full');
      }
      writeTimer ??= scheduler.setTimeout(() => {
        writeTimer = null;
        void writeBehind();
      }, 0);
      if (known.size >= flushAt && !stopped) scheduler.setTimeout(background, 0);
    },

    async flush() {
      const waiting = [...known.keys()];
      for (let retry = 0; ; retry++) {
        const result = await pass().catch((error: unknown): PassResult => {
          report(error);
          return { retry: true, retryAfterMs: null };
        });
        if (!result.retry) failures = 0;
        if (!result.retry || !waiting.some((id) => known.has(id)) || retry >= flushRetries) return;
        await new Promise<void>((resolve) =>
          scheduler.setTimeout(() => resolve(), backoffDelayMs(retry, backoff, result.retryAfterMs)),
        );
      }
    },

    flushKeepalive() {
      const events = [...known.values()].filter((event) => !sending.has(event.id));
      void writeBehind();
      if (events.length > 0) void send(takeBatch(events, MAX_BEACON_BYTES), true).catch(report);
    },

    kick() {
      scheduler.clearTimeout(retryTimer);
      retryTimer = null;
      failures = 0;
      void background();
    },

    purge(match, reason = 'consent') {
      return local.run(async () => {
        unwritten = unwritten.filter((event) => !match(event));
        await drop((await all()).filter(match), reason);
      });
    },

    clear() {
      return local.run(async () => {
        unwritten = [];
        await remove([...known.values()]);
        await writeBehind();
        stored = dropped = 0;
        await storage.clear().catch(report);
      });
    },

    start() {
      if (!stopped) return;
      stopped = false;
      intervalTimer = scheduler.setTimeout(tick, flushIntervalMs);
      void background();
    },

    stop() {
      stopped = true;
      for (const timer of [intervalTimer, retryTimer, writeTimer]) scheduler.clearTimeout(timer);
      intervalTimer = retryTimer = null;
      if (writeTimer !== null) {
        writeTimer = null;
        void writeBehind();
      }
    },

    size: () => known.size,
  };
}
