/**
 * `createClient`: the Node facade over the core tracker. It supplies Node
 * adapters (fetch transport, disk buffer, unref'd timers, signal hooks) and
 * Segment's server-side call shapes; batching, retries, backoff, bounds and
 * acknowledgement-driven deletion are the core queue's.
 */
import {
  createAttemptLimit,
  createEmitter,
  createMemoryStorage,
  createTracker,
  type DropReason,
  type EventStorage,
  type Plugin,
  silentLogger,
  withStorageFallback,
} from '@exhaust/core';
import type { Message } from '@exhaust/schema';
import {
  type AliasParams,
  aliasMessage,
  type GroupParams,
  groupMessage,
  type IdentifyParams,
  identifyMessage,
  type PageParams,
  pageMessage,
  type ScreenParams,
  screenMessage,
  type TrackParams,
  trackMessage,
} from './calls.js';
import { createDiskBuffer, type DiskBuffer, type DiskBufferStats } from './disk-buffer.js';
import { CallError } from './errors.js';
import { consoleLogger, createKeepAlive, nodeScheduler } from './node-ports.js';
import { type NodeClientOptions, nodeDefaults, validateOptions } from './options.js';
import { installSignalHandlers } from './signals.js';
import { createNodeTransport } from './transport.js';
import { LIBRARY } from './version.js';

export interface NodeClientEvents extends Record<string, unknown[]> {
  /** A refused call (`CallError`), a failed request (`NetworkError`, `CollectorStatusError`), a storage failure. */
  error: [error: unknown];
  /** Messages that will never reach the collector, and why. */
  drop: [messages: Message[], reason: DropReason];
  /** Messages the collector acknowledged. */
  sent: [messages: Message[]];
}

export interface NodeClient {
  /** Queues a track call; returns its messageId, or null when refused (reported via `on('error')`). Never throws. */
  track(params: TrackParams): string | null;
  identify(params: IdentifyParams): string | null;
  page(params: PageParams): string | null;
  screen(params: ScreenParams): string | null;
  group(params: GroupParams): string | null;
  alias(params: AliasParams): string | null;
  /**
   * Resolves when everything captured so far is acknowledged, dropped, or still
   * failing after `flushRetries` backoff retries (then it stays queued, and on
   * disk with a buffer, for later). Never rejects. Await it per request in
   * serverless handlers. After the collector asked for a pause (429, 5xx,
   * `Retry-After`), even to the background loop, it first waits the pause out,
   * or resolves at once when the pause ends beyond `flushMaxWaitMs` (10 s).
   */
  flush(): Promise<void>;
  /** Flushes, stops every timer, closes the disk buffer. Later calls are refused. Idempotent. */
  shutdown(): Promise<void>;
  on<K extends keyof NodeClientEvents>(type: K, listener: (...args: NodeClientEvents[K]) => void): () => void;
  use(plugin: Plugin): void;
  /** Events captured by this client and not yet acknowledged or dropped. */
  pending(): number;
  /** The disk buffer's figures, or null without one. */
  bufferStats(): DiskBufferStats | null;
}

type Builder<P> = (params: P) => Message | CallError;

/**
 * @example
 * import { createClient } from '@exhaust/node';
 * const exhaust = createClient({ writeKey: process.env.EXHAUST_WRITE_KEY!, host: 'http://localhost:8787' });
 * exhaust.track({ userId: 'u-42', event: 'Order Completed', properties: { total: 99.5 } });
 * await exhaust.shutdown();
 */
export function createClient(options: NodeClientOptions): NodeClient {
  validateOptions(options);
  const defaults = nodeDefaults(options);
  const logger = options.logger ?? (options.debug ? consoleLogger : silentLogger);
  const emitter = createEmitter<NodeClientEvents>();
  const report = (error: unknown) => {
    logger.debug('exhaust', error);
    emitter.emit('error', error);
  };

  let buffer: DiskBuffer | null = null;
  let storage: EventStorage | undefined;
  if (options.buffer) {
    buffer = createDiskBuffer({
      dir: options.buffer.dir,
      maxBytes: defaults.bufferMaxBytes,
      sync: options.buffer.sync,
      onDrop: (events) =>
        emitter.emit(
          'drop',
          events.map((event) => event.message),
          'queue_full',
        ),
    });
    buffer.ready().catch(report);
    // NOTE: an unusable folder (held by a live process, read-only) degrades to memory rather than losing calls.
    storage = withStorageFallback(buffer, createMemoryStorage(), logger);
  }

  // Giving up after maxAttempts failed sends is the Node SDK's own rule, plugged into the core queue's retry hook;
  // every event leaving the queue (sent, or dropped for any reason, by the queue or the disk buffer) leaves its count.
  const attemptLimit =
    options.maxAttempts && options.maxAttempts < Number.POSITIVE_INFINITY
      ? createAttemptLimit(options.maxAttempts)
      : null;
  if (attemptLimit) {
    const forget = (messages: Message[]) => attemptLimit.forget(messages.map((message) => message.messageId!));
    emitter.on('sent', forget);
    emitter.on('drop', forget);
  }

  const staticContext = options.context;
  const tracker = createTracker({
    transport: createNodeTransport({
      writeKey: options.writeKey,
      host: options.host,
      gzip: options.gzip,
      requestTimeoutMs: defaults.requestTimeoutMs,
    }),
    // NOTE: no consent gate. A server has no banner: its events carry only a `context.consent` the caller
    // relays from its visitor, never one claimed on the person's behalf.
    storage,
    library: LIBRARY,
    scheduler: nodeScheduler,
    logger,
    plugins: options.plugins,
    context: staticContext ? () => staticContext : undefined,
    flushAt: defaults.flushAt,
    flushIntervalMs: defaults.flushIntervalMs,
    maxBatchEvents: defaults.maxBatchEvents,
    maxBatchBytes: options.maxBatchBytes,
    maxQueueEvents: defaults.maxQueueEvents,
    maxInFlightBatches: defaults.maxInFlightBatches,
    maxEventAgeMs: options.maxEventAgeMs,
    onRetry: attemptLimit?.onRetry,
    flushRetries: options.flushRetries,
    flushMaxWaitMs: options.flushMaxWaitMs,
    backoff: options.backoff,
  });
  // The core reports outcomes to plugins; one plugin forwards them to this client's listeners.
  tracker.use({
    name: 'exhaust-node-listeners',
    afterSend(messages, outcome) {
      if (outcome.status === 'sent') emitter.emit('sent', messages);
      else emitter.emit('drop', messages, outcome.reason);
    },
    onError: (error) => emitter.emit('error', error),
  });

  const keepAlive = createKeepAlive();
  let shuttingDown: Promise<void> | null = null;

  function capture<P>(builder: Builder<P>, params: P): string | null {
    try {
      if (shuttingDown) {
        report(new CallError('call_after_shutdown', 'the client was shut down; the call was dropped'));
        return null;
      }
      const message = builder(params);
      if (message instanceof CallError) {
        report(message);
        return null;
      }
      return tracker.capture(message);
    } catch (error) {
      report(error);
      return null;
    }
  }

  const flush = () => keepAlive.during(() => tracker.flush()).catch(report);

  const shutdown = () => {
    shuttingDown ??= keepAlive.during(async () => {
      uninstallSignals();
      await tracker.shutdown().catch(report);
      await buffer?.close();
    });
    return shuttingDown;
  };

  const uninstallSignals = options.handleSignals ? installSignalHandlers(shutdown) : () => {};

  return {
    track: (params) => capture(trackMessage, params),
    identify: (params) => capture(identifyMessage, params),
    page: (params) => capture(pageMessage, params),
    screen: (params) => capture(screenMessage, params),
    group: (params) => capture(groupMessage, params),
    alias: (params) => capture(aliasMessage, params),
    flush,
    shutdown,
    on: (type, listener) => emitter.on(type, listener),
    use: (plugin) => tracker.use(plugin),
    pending: () => tracker.size(),
    bufferStats: () => buffer?.stats() ?? null,
  };
}
