/**
 * The durable send queue: write-behind to storage, batching by count and
 * bytes, retries with backoff, acknowledgement-driven deletion, bounds.
 * Storage is the source of truth; memory only holds what this instance
 * captured and has not seen acknowledged yet.
 */
import type { BatchRequest, IngestResponse } from '@exhaust/schema';
import { MAX_BEACON_BYTES, MAX_BODY_BYTES } from '@exhaust/schema/constants';
import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import { classifyStatus } from './classify-status.js';
import type { HttpStatusError } from './errors.js';
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
/** Default most events kept waiting; the oldest are dropped beyond it. */
export const MAX_QUEUE_EVENTS = 10_000;
/** Default oldest age of a waiting event; older ones are dropped. */
export const MAX_EVENT_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Events per storage write: small enough that a write never blocks a frame. */
export const WRITE_BATCH_EVENTS = 50;
/** Default backoff retries one `flush()` call waits through before it resolves, leaving the rest queued. */
export const FLUSH_RETRIES = 3;
/**
 * Default longest wait `flush()` accepts for a backoff (the collector's `Retry-After`, or the jittered delay
 * after a failure): a longer one makes it resolve at once, the events still queued for the background loop.
 */
export const FLUSH_MAX_WAIT_MS = 10_000;
/** Default requests one pass keeps in flight: one, so a browser tab holding the Web Lock sends in order. */
export const MAX_IN_FLIGHT_BATCHES = 1;

/** Why events left the queue without being stored by the collector. */
export type DropReason = 'rejected' | 'http_status' | 'queue_full' | 'expired' | 'retries_exhausted' | 'consent';

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
  /**
   * Told of every batch whose send failed and will be retried (network error, 408, 429, 5xx), with the
   * queue's `drop`: a runtime that gives up on events drops them through it, e.g. Node's `maxAttempts`
   * ({@link createAttemptLimit}). Default: none, an event is never given up for failing (a device may be
   * offline for days).
   */
  onRetry?: (batch: QueuedEvent[], drop: (events: QueuedEvent[], reason: DropReason) => Promise<void>) => unknown;
  /** Default {@link FLUSH_RETRIES}. */
  flushRetries?: number;
  /** Default {@link FLUSH_MAX_WAIT_MS}. */
  flushMaxWaitMs?: number;
  /**
   * Requests in flight at once while a pass sends (a collector that group-commits concurrent requests
   * stores them faster). Batches always start in capture order and keep it inside; above 1 a later batch
   * may be stored before an earlier one. Default {@link MAX_IN_FLIGHT_BATCHES}.
   */
  maxInFlightBatches?: number;
  backoff?: BackoffOptions;
  onDrop?: (events: QueuedEvent[], reason: DropReason) => void;
  onSent?: (events: QueuedEvent[], response: IngestResponse | null) => void;
  onError?: (error: unknown) => void;
}

export interface Queue {
  /** Takes an event; returns at once (storage is written behind, in small batches). */
  enqueue(event: QueuedEvent): void;
  /**
   * Resolves when every event enqueued so far is acknowledged, dropped, or still failing after the retries.
   * It never hammers a collector that asked for a pause: after a 408, 429 or 5xx (of the background loop or
   * an earlier flush) it first waits out the pending backoff or `Retry-After`, and when that ends later
   * than `flushMaxWaitMs` from now it resolves at once, leaving the events queued. After a network error
   * (no answer: nobody to overload, and maybe back `online`) it tries at once.
   */
  flush(): Promise<void>;
  /** The page is going away: send what this instance holds in one keepalive request, synchronously. */
  flushKeepalive(): void;
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

/**
 * How a pass or send ended: `undefined` when done, else the retry it asks for. `after` is the `Retry-After`
 * in ms, null when the collector (or a proxy) answered without one, and absent when no answer came: only an
 * answer makes an explicit flush respect the pause too.
 */
type Retry = { after?: number | null } | undefined;

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
    flushRetries = FLUSH_RETRIES,
    flushMaxWaitMs = FLUSH_MAX_WAIT_MS,
    maxInFlightBatches = MAX_IN_FLIGHT_BATCHES,
  } = options;
  const backoff: BackoffOptions = { random: options.random, ...options.backoff };
  /** Events this instance captured and has not seen acknowledged (insertion order is capture order). */
  const known = new Map<string, QueuedEvent>();
  /** Which of `known` are in storage already. */
  const written = new Set<string>();
  let unwritten: QueuedEvent[] = [];
  let writing: Promise<void> | null = null;
  /** A write-behind timer is set: later captures join it. */
  let writeSoon = false;
  let timer: unknown = null;
  let running = false;
  /** A size-triggered run is already scheduled: later captures need not reschedule it (track() stays cheap). */
  let soon = false;
  let failures = 0;
  /** When the next attempt is due after a failure (0: none pending). */
  let retryAt = 0;
  /** The same, set only when the collector answered: an explicit flush waits for this one. */
  let pauseUntil = 0;
  /** Storage may hold events (from an earlier run, another tab, or a failed pass): true until a pass proves otherwise. */
  let backlog = true;
  let dropped = 0;
  let stopped = true;

  // Returns undefined, so `pass().catch(report)` still reads as a `Retry`.
  const report = (error: unknown): undefined => {
    logger.debug('exhaust', error);
    options.onError?.(error);
  };

  const forget = (id: string) => {
    known.delete(id);
    written.delete(id);
  };

  const remove = async (events: QueuedEvent[]) => {
    const ids = events.map((event) => event.id);
    ids.forEach(forget);
    if (ids.length > 0) await storage.removeMany(ids).catch(report);
  };

  const drop = async (events: QueuedEvent[], reason: DropReason) => {
    if (events.length === 0) return;
    dropped += events.length;
    await remove(events);
    options.onDrop?.(events, reason);
  };

  const writeBehind = (): Promise<void> =>
    (writing ??= (async () => {
      while (unwritten.length > 0) {
        const chunk = unwritten.splice(0, WRITE_BATCH_EVENTS).filter((event) => known.has(event.id));
        // NOTE: a chunk that fails to write stays in `known`: the next pass sends it from memory.
        await storage.putMany(chunk).then(() => {
          for (const event of chunk) if (known.has(event.id)) written.add(event.id);
        }, report);
      }
    })().finally(() => {
      writing = null;
    }));

  const sizeOf = (event: QueuedEvent) => utf8Length(JSON.stringify(event.message)) + 1;

  /** The oldest events that fit one request (always at least one). */
  const takeBatch = (events: QueuedEvent[], budgetBytes: number) => {
    let bytes = ENVELOPE_RESERVE_BYTES;
    let count = 0;
    while (count < events.length && count < maxBatchEvents) {
      bytes += sizeOf(events[count]!);
      if (count > 0 && bytes > budgetBytes) break;
      count++;
    }
    return events.slice(0, count);
  };

  /** Sends one batch and settles it. The transport is called synchronously (keepalive needs that). */
  const send = async (batch: QueuedEvent[], keepalive?: boolean): Promise<Retry> => {
    // The drop count rides on one request; taken here so concurrent requests cannot report it twice.
    const reported = dropped;
    dropped = 0;
    // `sentAt` once, on the envelope: the collector applies it to every message without its own (Segment's rule).
    // NOTE: `dropped` undefined when there is nothing to report: JSON leaves it out.
    const body: BatchRequest = {
      batch: batch.map((event) => event.message),
      sentAt: new Date(now()).toISOString(),
      dropped: reported || undefined,
    };
    let response: IngestResponse | null;
    try {
      response = await transport.send(body, { keepalive });
    } catch (error) {
      dropped += reported;
      report(error);
      const status = (error as HttpStatusError).status;
      if (!status || classifyStatus(status) === 'retry') {
        // Network error, 408, 429, 5xx: retried, unless the runtime's hook gives some events up.
        await options.onRetry?.(batch, drop);
        // NOTE: `after` is undefined when no answer came (an HttpStatusError always has `retryAfterMs`, maybe null).
        return { after: (error as HttpStatusError).retryAfterMs };
      }
      if ((status === 413 || status === 400) && batch.length > 1) {
        // NOTE: bisect, so one poison or oversized event costs only itself.
        const half = Math.ceil(batch.length / 2);
        return (await send(batch.slice(0, half), keepalive)) ?? send(batch.slice(half), keepalive);
      }
      return drop(batch, 'http_status') as Promise<undefined>;
    }
    // Unconfirmed (a beacon): keep everything stored; a later send gets it acknowledged.
    if (!response) {
      dropped += reported;
      return;
    }
    // NOTE: `?.`: a Segment-compatible endpoint may acknowledge without Exhaust's `rejected` list.
    const rejected = new Set(response.rejected?.map((entry) => entry.index));
    if (rejected.size > 0) logger.warn('rejected', response.rejected);
    await drop(
      batch.filter((_, index) => rejected.has(index)),
      'rejected',
    );
    const accepted = batch.filter((_, index) => !rejected.has(index));
    await remove(accepted);
    options.onSent?.(accepted, response);
  };

  /** Everything waiting, oldest first: storage (every instance's) plus what this one holds in memory. */
  const all = async (): Promise<QueuedEvent[]> => {
    await writeBehind();
    const before = [...written];
    const listed = await storage.list().catch(report);
    const ids = new Set(listed?.map((event) => event.id));
    const events = [...(listed ?? [])];
    // Written here, gone from storage: another instance got them acknowledged (trusted only if the read worked).
    for (const id of before) if (listed && !ids.has(id)) forget(id);
    for (const event of known.values()) if (!ids.has(event.id)) events.push(event);
    return events.sort((a, b) => a.capturedAt - b.capturedAt);
  };

  /**
   * One pass: persist what waits, read storage, enforce bounds, send every batch (up to
   * `maxInFlightBatches` at once, taken in capture order) until one fails. A failure sets when the
   * next attempt is due; a success clears every pause.
   */
  const pass = (): Promise<Retry> =>
    lock.run(async () => {
      const cutoff = now() - maxEventAgeMs;
      let events = await all();
      const expired = events.filter((event) => event.capturedAt < cutoff);
      await drop(expired, 'expired');
      events = events.slice(expired.length);
      await drop(events.slice(0, -maxQueueEvents), 'queue_full');
      events = events.slice(-maxQueueEvents);
      // NOTE: no size check per event here: the collector rejects an oversized one in its answer
      // (`event_too_large`), which drops just that event, so the caller's bytes are not measured twice.
      backlog = true;
      let retry: Retry;
      // Each sender takes the next batch when its request settled; a failure stops new batches, not those in flight.
      const sender = async () => {
        while (!retry && events.length > 0) {
          const batch = takeBatch(events, maxBatchBytes);
          events = events.slice(batch.length);
          retry = (await send(batch)) ?? retry;
        }
      };
      await Promise.all(Array.from({ length: maxInFlightBatches }, sender));
      backlog = !!retry;
      failures = retry ? failures + 1 : 0;
      retryAt = retry ? now() + backoffDelayMs(failures - 1, backoff, retry.after) : 0;
      if (!retry || retry.after !== undefined) pauseUntil = retryAt;
      return retry;
    });

  /** One timer drives the automatic loop: the interval while healthy, the backoff delay after a failure. */
  const schedule = (ms: number) => {
    scheduler.clearTimeout(timer);
    timer = stopped ? null : scheduler.setTimeout(run, ms);
  };
  const run = async () => {
    if (running) return;
    running = true;
    soon = false;
    // NOTE: a flush may have failed since this timer was set: its backoff holds the loop too.
    if (now() >= retryAt && (backlog || known.size > 0)) await pass().catch(report);
    running = false;
    schedule(retryAt > now() ? retryAt - now() : known.size >= flushAt ? 0 : flushIntervalMs);
  };

  return {
    enqueue(event) {
      known.set(event.id, event);
      unwritten.push(event);
      // NOTE: the dropped event may still sit in `unwritten`; writeBehind skips what `known` no longer has.
      if (known.size > maxQueueEvents) void drop([known.values().next().value!], 'queue_full');
      if (!writeSoon) {
        writeSoon = true;
        scheduler.setTimeout(() => {
          writeSoon = false;
          void writeBehind();
        }, 0);
      }
      // Size triggers a flush, unless the loop is waiting out a backoff.
      if (known.size >= flushAt && !failures && !soon) {
        soon = true;
        schedule(0);
      }
    },

    async flush() {
      const waiting = [...known.keys()];
      for (let retry = 0; ; retry++) {
        // First the pause the collector asked for (if any), then this flush's own backoff between its retries.
        const wait = (retry ? retryAt : pauseUntil) - now();
        if (wait > flushMaxWaitMs) return;
        if (wait > 0) await new Promise<void>((resolve) => scheduler.setTimeout(resolve, wait));
        if (!(await pass().catch(report)) || !waiting.some((id) => known.has(id)) || retry >= flushRetries) return;
      }
    },

    flushKeepalive() {
      // NOTE: visibilitychange then pagehide may send the same events twice; messageId makes that harmless.
      const events = [...known.values()];
      void writeBehind();
      if (events.length > 0) void send(takeBatch(events, MAX_BEACON_BYTES), true).catch(report);
    },

    purge(match, reason = 'consent') {
      return lock.run(async () => {
        unwritten = unwritten.filter((event) => !match(event));
        await drop((await all()).filter(match), reason);
      });
    },

    clear() {
      return lock.run(async () => {
        unwritten = [];
        await remove([...known.values()]);
        await writeBehind();
        backlog = false;
        dropped = 0;
        await storage.clear().catch(report);
      });
    },

    start() {
      stopped = false;
      schedule(0);
    },

    stop() {
      stopped = true;
      schedule(0);
      // NOTE: a pending write timer may still fire: it finds nothing left to write.
      void writeBehind();
    },

    size: () => known.size,
  };
}
