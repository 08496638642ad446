/**
 * The runtime-free tracker: message building, plugins, the consent gate and
 * the durable queue wired together. Browser and Node facades wrap it with
 * their own call shapes and adapters.
 */
import type { CategoryPreferences, Message, MessageConsent, MessageContext } from '@exhaust/schema';
import { type ConsentOptions, createConsentGate, DEFAULT_CATEGORY } from './consent.js';
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
  /**
   * The consent gate. With one, every message carries the preferences in force as `context.consent`
   * (a `context.consent` the caller passed is kept as it is); one captured while pending carries those of
   * the decision that released it, with `capturedUnder: 'pending'` and that decision's `releasedAt`. Without one, every category is allowed
   * and nothing is stamped.
   */
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

export interface Tracker {
  /**
   * Completes, filters and queues a message; returns its messageId, or null when
   * a plugin or the consent gate dropped it. Never throws, never waits on storage.
   */
  capture(message: Message, options?: CaptureOptions): string | null;
  flush(): Promise<void>;
  /** The page is going away: send what waits through a keepalive request. */
  flushKeepalive(): void;
  /**
   * Applies a consent decision: held events of granted categories are queued, denied ones purged everywhere.
   * Plugins' `onConsentChange` hear of it at once (before the purge), so a UI can follow every change.
   */
  setConsent(preferences: CategoryPreferences): Promise<void>;
  /** Preferences in force; null while pending. */
  getConsent(): CategoryPreferences | null;
  /** True when consent was decided and grants nothing beyond `necessary`. */
  deniesAll(): boolean;
  /**
   * Adds a plugin; returns a function that removes it. Plugins are also how to
   * listen: `afterSend` sees what was sent or dropped (and why), `onError` every swallowed failure.
   */
  use(plugin: Plugin): () => void;
  /** Forgets every queued event, in memory and storage. */
  clear(): Promise<void>;
  /** Flushes, then stops timers so the process or page can go. */
  shutdown(): Promise<void>;
  /** Events captured here and not yet acknowledged or dropped. */
  size(): number;
}

/**
 * Wires the queue, consent gate, plugins and message building. Facades
 * (`@exhaust/browser`, `@exhaust/node`) validate their options and throw
 * `ConfigError` before calling it.
 *
 * @example
 * const tracker = createTracker({ transport, storage, library: { name: 'my-sdk', version: '1.0.0' } });
 * tracker.capture({ type: 'track', event: 'Signed Up', anonymousId: 'a-1' });
 * await tracker.flush();
 */
export function createTracker(options: TrackerOptions): Tracker {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const report = (error: unknown) => {
    logger.debug('exhaust', error);
    pipeline.error(error);
  };
  const pipeline = createPipeline(options.plugins ?? [], report);
  const messages = (events: QueuedEvent[]) => events.map((event) => event.message);
  const dropped = (events: QueuedEvent[], reason: DropReason) => {
    if (events.length > 0) pipeline.afterSend(messages(events), { status: 'dropped', reason });
  };
  const queue = createQueue({
    ...options,
    storage: options.storage ?? createMemoryStorage(),
    logger,
    now,
    onError: report,
    onDrop: dropped,
    onSent: (events) => pipeline.afterSend(messages(events), { status: 'sent' }),
  });
  const gate = createConsentGate<QueuedEvent>(options.consent ?? {}, (event) => event.category);
  // Every event carries the preferences in force when it is queued, unless the caller stated them (a server
  // relaying its visitor's consent). One captured while pending had no consent then: `released` says so and
  // names the decision that let it go, so the record never claims a grant the visitor had not yet given.
  // Without a consent gate there is nobody's decision to state: a server must not claim "all granted".
  const enqueue = (event: QueuedEvent, released?: Pick<MessageConsent, 'capturedUnder' | 'releasedAt'>) => {
    const context = event.message.context;
    if (options.consent && !context?.consent)
      event.message.context = { ...context, consent: { categoryPreferences: gate.preferences()!, ...released } };
    queue.enqueue(event);
  };
  let lastCapture = 0;
  queue.start();

  return {
    capture(input, captureOptions) {
      try {
        const category = captureOptions?.category ?? DEFAULT_CATEGORY;
        const message = pipeline.beforeSend(
          buildMessage(input, {
            now,
            newId: options.newId ?? createId,
            library: options.library,
            context: options.context?.(),
          }),
          { category },
        );
        if (!message) return null;
        // Strictly increasing, so events captured in the same millisecond keep their order in any storage.
        lastCapture = Math.max(now(), lastCapture + 0.001);
        const event: QueuedEvent = { id: message.messageId!, category, capturedAt: lastCapture, message };
        const pending = gate.preferences() === null;
        if (pending ? gate.hold(event) : gate.allows(category)) {
          if (!pending) enqueue(event);
          return event.id;
        }
        dropped([event], 'consent');
      } catch (error) {
        report(error);
      }
      return null;
    },
    // NOTE: queue, gate and pipeline methods are closures (no `this`), so they are handed out as they are.
    flush: queue.flush,
    flushKeepalive: queue.flushKeepalive,
    async setConsent(preferences) {
      const { released, dropped: refused, denied } = gate.set(preferences);
      pipeline.consentChange(gate.preferences()!);
      dropped(refused, 'consent');
      const release = { capturedUnder: 'pending', releasedAt: new Date(now()).toISOString() } as const;
      for (const event of released) enqueue(event, release);
      if (denied.length > 0) await queue.purge((event) => denied.includes(event.category), 'consent');
    },
    getConsent: gate.preferences,
    deniesAll: gate.deniesAll,
    use: pipeline.use,
    clear: queue.clear,
    async shutdown() {
      await queue.flush();
      queue.stop();
    },
    size: queue.size,
  };
}
