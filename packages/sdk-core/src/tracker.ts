/**
 * The runtime-free tracker: message building, plugins, the consent gate and
 * the durable queue wired together. Browser and Node facades wrap it with
 * their own call shapes and adapters.
 */
import type { CategoryPreferences, Message, MessageContext } from '@exhaust/schema';
import { type ConsentOptions, createConsentGate, DEFAULT_CATEGORY } from './consent.js';
import { createEmitter } from './emitter.js';
import { ConfigError } from './errors.js';
import { createId } from './id.js';
import { buildMessage } from './message.js';
import { createPipeline, type Plugin } from './plugins.js';
import { type EventStorage, type QueuedEvent, silentLogger } from './ports.js';
import { createQueue, type DropReason, type QueueOptions } from './queue.js';
import { createMemoryStorage } from './storage.js';

export interface TrackerOptions extends Omit<QueueOptions, 'storage' | 'onDrop' | 'onSent' | 'onError'> {
  /** Where events wait for acknowledgement. Default: memory. */
  storage?: EventStorage;
  /** Sent as `context.library` on every message. */
  library: { name: string; version: string };
  consent?: ConsentOptions;
  plugins?: Plugin[];
  /** Default {@link createId} (uuid v4). */
  newId?: () => string;
  /** Context the runtime adds at capture (page, locale, session...). */
  context?: () => MessageContext;
}

export interface CaptureOptions {
  /** Consent category. Default `analytics`. */
  category?: string;
}

export interface TrackerEvents extends Record<string, unknown[]> {
  drop: [messages: Message[], reason: DropReason];
  sent: [messages: Message[]];
  error: [error: unknown];
}

export interface Tracker {
  /**
   * Completes, filters and queues a message; returns its messageId, or null when
   * a plugin or the consent gate dropped it. Never throws, never waits on storage.
   */
  capture(message: Message, options?: CaptureOptions): string | null;
  flush(): Promise<void>;
  /** The page is going away: send what waits through a keepalive request. */
  flushKeepalive(): void;
  /** Retry now (the device came back online). */
  kick(): void;
  /** Applies a consent decision: held events of granted categories are queued, denied ones purged everywhere. */
  setConsent(preferences: CategoryPreferences): Promise<void>;
  /** Preferences in force; null while pending. */
  getConsent(): CategoryPreferences | null;
  /** True when consent was decided and grants nothing beyond `necessary`. */
  deniesAll(): boolean;
  use(plugin: Plugin): void;
  on<K extends keyof TrackerEvents>(type: K, listener: (...args: TrackerEvents[K]) => void): () => void;
  /** Forgets every queued event, in memory and storage. */
  clear(): Promise<void>;
  /** Flushes, then stops timers so the process or page can go. */
  shutdown(): Promise<void>;
  /** Events captured here and not yet acknowledged or dropped. */
  size(): number;
}

type Held = { message: Message; category: string; capturedAt: number };

/**
 * @example
 * const tracker = createTracker({ transport, storage, library: { name: 'my-sdk', version: '1.0.0' } });
 * tracker.capture({ type: 'track', event: 'Signed Up', anonymousId: 'a-1' });
 * await tracker.flush();
 */
export function createTracker(options: TrackerOptions): Tracker {
  if (!options.transport || !options.library) throw new ConfigError('createTracker needs a transport and a library');
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? createId;
  const emitter = createEmitter<TrackerEvents>();
  const report = (error: unknown) => {
    logger.debug('exhaust', error);
    emitter.emit('error', error);
  };
  const pipeline = createPipeline(options.plugins ?? [], report);
  const messagesOf = (events: QueuedEvent[]) => events.map((event) => event.message);
  const queue = createQueue({
    ...options,
    storage: options.storage ?? createMemoryStorage(),
    logger,
    now,
    onError: report,
    onDrop(events, reason) {
      const messages = messagesOf(events);
      pipeline.afterSend(messages, { status: 'dropped', reason });
      emitter.emit('drop', messages, reason);
    },
    onSent(events) {
      const messages = messagesOf(events);
      pipeline.afterSend(messages, { status: 'sent' });
      emitter.emit('sent', messages);
    },
  });
  const gate = createConsentGate<Held>(options.consent ?? {}, (held) => held.category);

  const enqueue = ({ message, category, capturedAt }: Held) => {
    const preferences = gate.preferences();
    if (preferences) message.context = { ...message.context, consent: { categoryPreferences: preferences } };
    queue.enqueue({ id: message.messageId!, category, capturedAt, message });
  };
  const dropped = (messages: Message[], reason: DropReason) => {
    if (messages.length > 0) emitter.emit('drop', messages, reason);
  };
  queue.start();

  return {
    capture(input, captureOptions) {
      try {
        const category = captureOptions?.category ?? DEFAULT_CATEGORY;
        const built = buildMessage(input, { now, newId, library: options.library, context: options.context?.() });
        const message = pipeline.beforeSend(built, { category });
        if (!message) return null;
        const held: Held = { message, category, capturedAt: now() };
        if (gate.preferences() === null) {
          if (gate.hold(held)) return message.messageId!;
          dropped([message], 'consent');
          return null;
        }
        if (!gate.allows(category)) {
          dropped([message], 'consent');
          return null;
        }
        enqueue(held);
        return message.messageId!;
      } catch (error) {
        report(error);
        return null;
      }
    },
    flush: () => queue.flush(),
    flushKeepalive: () => queue.flushKeepalive(),
    kick: () => queue.kick(),
    async setConsent(preferences) {
      const { released, dropped: refused, denied } = gate.set(preferences);
      dropped(
        refused.map((held) => held.message),
        'consent',
      );
      released.forEach(enqueue);
      if (denied.length > 0) await queue.purge((event) => denied.includes(event.category), 'consent');
    },
    getConsent: () => gate.preferences(),
    deniesAll: () => gate.deniesAll(),
    use: (plugin) => pipeline.use(plugin),
    on: (type, listener) => emitter.on(type, listener),
    clear: () => queue.clear(),
    async shutdown() {
      await queue.flush();
      queue.stop();
    },
    size: () => queue.size(),
  };
}
