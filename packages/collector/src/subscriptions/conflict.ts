/**
 * Which of two changes to the same status wins. The latest timestamp wins,
 * except that a change which stops sending (unsubscribed, bounced,
 * complained) beats a subscribe from the same `SUBSCRIPTION_CONFLICT_WINDOW_MS`
 * even when its timestamp is older: clocks of devices and senders disagree by
 * seconds, and when in doubt a message is better not sent.
 */
import { SUBSCRIPTION_CONFLICT_WINDOW_MS, type SubscriptionSkipReason, type SubscriptionStatus } from '@exhaust/schema';
import { BLOCKING_STATUSES } from './model.js';

export type ChangeDecision = { apply: true } | { apply: false; skipped: SubscriptionSkipReason };

/**
 * @param current the status kept now (null: never set, which reads as `none`).
 * @example decideChange({ status: 'subscribed', atMs: 5_000 }, { status: 'unsubscribed', atMs: 1_000 }) // { apply: true }
 */
export function decideChange(
  current: { status: SubscriptionStatus; atMs: number } | null,
  incoming: { status: SubscriptionStatus; atMs: number },
  windowMs: number = SUBSCRIPTION_CONFLICT_WINDOW_MS,
): ChangeDecision {
  if (current === null) return incoming.status === 'none' ? { apply: false, skipped: 'unchanged' } : { apply: true };
  if (current.status === incoming.status) return { apply: false, skipped: 'unchanged' };
  const withinWindow = Math.abs(incoming.atMs - current.atMs) <= windowMs;
  if (withinWindow) {
    // Inside the window a stop beats a subscribe whichever came first.
    if (BLOCKING_STATUSES.has(incoming.status) && current.status === 'subscribed') return { apply: true };
    if (incoming.status === 'subscribed' && BLOCKING_STATUSES.has(current.status)) {
      return { apply: false, skipped: 'stale' };
    }
  }
  return incoming.atMs > current.atMs ? { apply: true } : { apply: false, skipped: 'stale' };
}
