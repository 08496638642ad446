/**
 * Test support for the churn HTTP tests: a seeded BG/NBD population sent as
 * `Order Completed` events with their historical timestamps.
 */
import type { BgNbdParams } from '../activation/churn/index.js';
import { send, trackAt } from '../routes/activation-http.support.js';
import type { TestCollector } from '../test/harness.js';

export const DAY_MS = 86_400_000;
/** The parameters the test populations are simulated from. */
export const TRUTH: BgNbdParams = { r: 0.5, alpha: 5, a: 0.7, b: 3 };
/** Events per ingest batch while sending a population. */
export const BATCH_EVENTS = 1000;

/**
 * Sends every customer's purchases as `Order Completed` events by `<prefix>-<i>`, in batches of
 * BATCH_EVENTS, each with `revenue` 10, 11, ...; answers the number of events sent.
 */
export async function sendCustomers(
  collector: TestCollector,
  customers: { purchases: number[] }[],
  prefix: string,
): Promise<number> {
  const messages = customers.flatMap(({ purchases }, i) =>
    purchases.map((at, n) => trackAt(`${prefix}-${i}`, 'Order Completed', at, { properties: { revenue: 10 + n } })),
  );
  for (let i = 0; i < messages.length; i += BATCH_EVENTS) await send(collector, ...messages.slice(i, i + BATCH_EVENTS));
  return messages.length;
}
