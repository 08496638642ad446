/**
 * The Node client's options, their server-side defaults, and the checks that
 * make bad configuration throw at construction (never later, at a call).
 */
import { type BackoffOptions, ConfigError, type Logger, type Plugin } from '@exhaust/core';
import type { MessageContext } from '@exhaust/schema';
import { MAX_BATCH_EVENTS, MAX_BODY_BYTES } from '@exhaust/schema/constants';
import { BUFFER_MAX_BYTES } from './disk-buffer.js';
import { REQUEST_TIMEOUT_MS } from './transport.js';

/** Default waiting events that trigger a send at once: servers produce bursts, so larger than a browser's. */
export const NODE_FLUSH_AT_EVENTS = 100;
/** Default time between automatic sends while events wait. */
export const NODE_FLUSH_INTERVAL_MS = 1000;
/** Default most events per request. */
export const NODE_BATCH_MAX_EVENTS = 500;
/**
 * Default most events waiting (the oldest are dropped beyond it). A server
 * captures in bursts: 100,000 small events are some tens of MB.
 */
export const NODE_MAX_QUEUE_EVENTS = 100_000;
/**
 * Default requests in flight at once. The collector group-commits concurrent requests (one durable
 * commit for several), so a few in flight deliver faster than one; more mostly queue at its store.
 */
export const NODE_MAX_IN_FLIGHT_BATCHES = 4;

export interface BufferOptions {
  /** Folder of the buffer's log, created when missing. One client (process) per folder. */
  dir: string;
  /** Bound of the buffered events in bytes; the oldest are dropped (and reported) beyond it. Default 64 MiB. */
  maxBytes?: number;
  /** `fdatasync` each write so a power loss keeps every buffered event. Default false (a process crash keeps them). */
  sync?: boolean;
}

export interface NodeClientOptions {
  /** The source's write key. Required. */
  writeKey: string;
  /** Collector origin, e.g. `http://localhost:8787`. Required. */
  host: string;
  /** Gzip request bodies (worth it over a real network, not on loopback). Default false. */
  gzip?: boolean;
  /** Keep waiting events in a log on local disk so an outage or a crash loses nothing. Default: memory only. */
  buffer?: BufferOptions;
  /** Shut down (flush, stop timers) on SIGTERM, SIGINT and `beforeExit`. Default false. */
  handleSignals?: boolean;
  /** Context added to every message (e.g. `{ app: { name, version } }`); a call's own context wins. */
  context?: MessageContext;
  plugins?: Plugin[];
  /** Log problems to the console. Default false: the SDK is silent (listen with `on('error')`). */
  debug?: boolean;
  /** Where problems are logged; overrides `debug`. */
  logger?: Logger;
  /** Default {@link NODE_FLUSH_AT_EVENTS}. */
  flushAt?: number;
  /** Default {@link NODE_FLUSH_INTERVAL_MS}. */
  flushIntervalMs?: number;
  /** Default {@link NODE_BATCH_MAX_EVENTS} (the collector takes up to 1000). */
  maxBatchEvents?: number;
  /** Default the collector's 512 KiB body limit. */
  maxBatchBytes?: number;
  /**
   * Requests in flight at once. Batches start in capture order and keep that order inside; with more
   * than one in flight, the collector may store a later batch before an earlier one (each event's
   * `timestamp` still says when it happened). 1 sends strictly in order. Default {@link NODE_MAX_IN_FLIGHT_BATCHES}.
   */
  maxInFlightBatches?: number;
  /** Default {@link NODE_MAX_QUEUE_EVENTS}; the oldest are dropped (and reported) beyond it. */
  maxQueueEvents?: number;
  /** Default 7 days: older waiting events are dropped. */
  maxEventAgeMs?: number;
  /** Failed sends after which an event is dropped. Default: never. */
  maxAttempts?: number;
  /** Backoff retries one `flush()` waits through before it resolves with events still queued. Default 3. */
  flushRetries?: number;
  /**
   * Longest pause `flush()` waits out before sending, when the collector asked for one (429, 5xx,
   * `Retry-After`) or between its own retries; a longer one makes it resolve at once with events still
   * queued. Default 10 s (`FLUSH_MAX_WAIT_MS` of `@exhaust/core`).
   */
  flushMaxWaitMs?: number;
  /** Default: full jitter from 1 s, capped at 60 s; `Retry-After` wins when longer. */
  backoff?: BackoffOptions;
  /** Default {@link REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
}

function positiveInteger(options: NodeClientOptions, key: keyof NodeClientOptions, allowInfinity = false) {
  const value = options[key];
  if (value === undefined) return;
  if (allowInfinity && value === Number.POSITIVE_INFINITY) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`createClient: ${key} must be a positive integer, got ${String(value)}`);
  }
}

/** Checks every option; throws `ConfigError` naming the first bad one. */
export function validateOptions(options: NodeClientOptions): void {
  if (options == null || typeof options !== 'object') throw new ConfigError('createClient needs an options object');
  if (typeof options.writeKey !== 'string' || options.writeKey.trim() === '') {
    throw new ConfigError('createClient needs a writeKey');
  }
  let url: URL | null = null;
  try {
    url = new URL(options.host);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(`createClient needs host as an http(s) URL, got ${JSON.stringify(options.host)}`);
  }
  for (const key of [
    'flushAt',
    'flushIntervalMs',
    'flushMaxWaitMs',
    'maxInFlightBatches',
    'maxQueueEvents',
    'maxEventAgeMs',
    'requestTimeoutMs',
  ] as const) {
    positiveInteger(options, key);
  }
  positiveInteger(options, 'maxAttempts', true);
  positiveInteger(options, 'maxBatchEvents');
  positiveInteger(options, 'maxBatchBytes');
  if (options.flushRetries !== undefined && !(Number.isInteger(options.flushRetries) && options.flushRetries >= 0)) {
    throw new ConfigError('createClient: flushRetries must be an integer >= 0');
  }
  if ((options.maxBatchEvents ?? 0) > MAX_BATCH_EVENTS) {
    throw new ConfigError(`createClient: maxBatchEvents cannot exceed the collector's ${MAX_BATCH_EVENTS}`);
  }
  if ((options.maxBatchBytes ?? 0) > MAX_BODY_BYTES) {
    throw new ConfigError(`createClient: maxBatchBytes cannot exceed the collector's ${MAX_BODY_BYTES}`);
  }
  const { buffer } = options;
  if (buffer !== undefined) {
    if (buffer == null || typeof buffer.dir !== 'string' || buffer.dir.trim() === '') {
      throw new ConfigError('createClient: buffer needs a dir');
    }
    if (buffer.maxBytes !== undefined && !(Number.isInteger(buffer.maxBytes) && buffer.maxBytes > 0)) {
      throw new ConfigError('createClient: buffer.maxBytes must be a positive integer');
    }
  }
}

/** The defaults that differ from the core's, resolved. */
export function nodeDefaults(options: NodeClientOptions) {
  return {
    flushAt: options.flushAt ?? NODE_FLUSH_AT_EVENTS,
    flushIntervalMs: options.flushIntervalMs ?? NODE_FLUSH_INTERVAL_MS,
    maxBatchEvents: options.maxBatchEvents ?? NODE_BATCH_MAX_EVENTS,
    maxQueueEvents: options.maxQueueEvents ?? NODE_MAX_QUEUE_EVENTS,
    maxInFlightBatches: options.maxInFlightBatches ?? NODE_MAX_IN_FLIGHT_BATCHES,
    bufferMaxBytes: options.buffer?.maxBytes ?? BUFFER_MAX_BYTES,
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
  };
}
