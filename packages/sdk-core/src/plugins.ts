/**
 * Plugins: the core stays small, optional features (PII stripping, enrichment)
 * are plugins the user adds. A before-send hook runs at capture, before the
 * event is stored, so what it strips never reaches a disk.
 */
import type { CategoryPreferences, Message } from '@exhaust/schema';
import type { DropReason } from './queue.js';

export interface CaptureMeta {
  /** The event's consent category. */
  category: string;
}

export interface Plugin {
  name: string;
  /**
   * Enrich or rewrite (return a message, or mutate and return nothing) or drop (return `null`).
   * Synchronous on purpose: capture must stay in microseconds and keep order.
   */
  beforeSend?(message: Message, meta: CaptureMeta): Message | null | undefined;
  /** After the collector acknowledged (`sent`) or the SDK gave up on (`dropped`) some messages. */
  afterSend?(messages: Message[], outcome: { status: 'sent' } | { status: 'dropped'; reason: DropReason }): void;
  /** Any failure the SDK swallowed (network, storage, a plugin): it never throws into the app. */
  onError?(error: unknown): void;
  /** A consent decision was applied (`setConsent`, or another tab's decision): the preferences now in force. */
  onConsentChange?(preferences: CategoryPreferences): void;
}

export interface PluginPipeline {
  /** Adds a plugin; returns a function that removes it. */
  use(plugin: Plugin): () => void;
  /** Runs every before-send hook in order; null when one dropped the message or failed. */
  beforeSend(message: Message, meta: CaptureMeta): Message | null;
  afterSend(messages: Message[], outcome: Parameters<NonNullable<Plugin['afterSend']>>[1]): void;
  /** Tells every plugin's `onError`. */
  error(error: unknown): void;
  /** Tells every plugin's `onConsentChange`. */
  consentChange(preferences: CategoryPreferences): void;
}

/**
 * A throwing before-send hook drops the event (fail closed: a PII filter that
 * crashed must not let PII through); the error goes to `onError`.
 *
 * @example const pipeline = createPipeline([stripEmail], console.warn);
 */
export function createPipeline(plugins: Plugin[], onError: (error: unknown, plugin: Plugin) => void): PluginPipeline {
  let list = [...plugins];
  const each = (run: (plugin: Plugin) => void, silent?: boolean) => {
    for (const plugin of list) {
      try {
        run(plugin);
      } catch (error) {
        if (!silent) onError(error, plugin);
      }
    }
  };
  return {
    use(plugin) {
      list.push(plugin);
      return () => {
        list = list.filter((entry) => entry !== plugin);
      };
    },
    beforeSend(message, meta) {
      let current: Message | null = message;
      for (const plugin of list) {
        if (!plugin.beforeSend) continue;
        try {
          const result: Message | null | undefined = plugin.beforeSend(current, meta);
          if (result === null) return null;
          current = result ?? current;
        } catch (error) {
          onError(error, plugin);
          return null;
        }
      }
      return current;
    },
    afterSend: (messages, outcome) => each((plugin) => plugin.afterSend?.(messages, outcome)),
    // NOTE: an error listener that throws has nowhere left to report to.
    error: (error) => each((plugin) => plugin.onError?.(error), true),
    consentChange: (preferences) => each((plugin) => plugin.onConsentChange?.(preferences)),
  };
}
