/**
 * Giving up on events after a number of failed sends: a server SDK's choice
 * (its collector is expected up), never a browser's (a device may be offline
 * for days). It plugs into the queue's `onRetry` hook, so the script tag does
 * not carry it.
 */
import type { QueuedEvent } from './ports.js';
import type { QueueOptions } from './queue.js';

export interface AttemptLimit {
  /** The queue's `onRetry` hook: counts a failed send of each event, drops those at the limit as `retries_exhausted`. */
  onRetry: NonNullable<QueueOptions['onRetry']>;
  /** The events left the queue (sent or dropped): their counts go, so the table stays as small as the queue. */
  forget(ids: Iterable<string>): void;
}

/**
 * @example
 * const limit = createAttemptLimit(5);
 * const tracker = createTracker({ transport, library, onRetry: limit.onRetry });
 * tracker.use({ name: 'attempts', afterSend: (messages) => limit.forget(messages.map((m) => m.messageId!)) });
 */
export function createAttemptLimit(maxAttempts: number): AttemptLimit {
  const attempts = new Map<string, number>();
  const forget: AttemptLimit['forget'] = (ids) => {
    for (const id of ids) attempts.delete(id);
  };
  return {
    onRetry(batch, drop) {
      const exhausted: QueuedEvent[] = [];
      for (const event of batch) {
        const count = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, count);
        if (count >= maxAttempts) exhausted.push(event);
      }
      forget(exhausted.map((event) => event.id));
      return drop(exhausted, 'retries_exhausted');
    },
    forget,
  };
}
