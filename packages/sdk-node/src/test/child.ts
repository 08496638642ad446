/**
 * A process using the SDK, for the tests that kill, signal or wait for real
 * processes. Argument: a JSON `ChildPlan`. Writes one JSON line per step to
 * stdout so the parent can wait for conditions instead of sleeping.
 */
import { createClient } from '../index.js';

export interface ChildPlan {
  host: string;
  writeKey: string;
  bufferDir?: string;
  handleSignals?: boolean;
  /** Events to track, with messageIds `${prefix}-${i}`. */
  count: number;
  /** Clients in the process (default 1); client k > 0 tracks the same count as `${prefix}x${k}-${i}`. */
  clients?: number;
  prefix: string;
  /**
   * `flush-then-idle`: flush, report, then stay alive (a held timer) until killed.
   * `shutdown`: flush through shutdown() and let the process end on its own.
   * `end`: return without flushing (only `handleSignals`' beforeExit sends).
   * `wait-signal`: report, then idle until a signal (needs `handleSignals`).
   */
  finish: 'flush-then-idle' | 'shutdown' | 'end' | 'wait-signal';
}

const plan = JSON.parse(process.argv[2] ?? '{}') as ChildPlan;
const say = (step: string, detail: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ step, ...detail })}\n`);

const clients = Array.from({ length: plan.clients ?? 1 }, () =>
  createClient({
    writeKey: plan.writeKey,
    host: plan.host,
    handleSignals: plan.handleSignals,
    buffer: plan.bufferDir ? { dir: plan.bufferDir } : undefined,
    backoff: { baseMs: 20, maxMs: 100 },
    flushRetries: 2,
  }),
);
const client = clients[0]!;
let dropped = 0;
for (const each of clients) {
  each.on('drop', (messages) => {
    dropped += messages.length;
  });
}

clients.forEach((each, k) => {
  for (let i = 0; i < plan.count; i++) {
    each.track({
      userId: `${plan.prefix}-user`,
      event: 'Child Event',
      messageId: k === 0 ? `${plan.prefix}-${i}` : `${plan.prefix}x${k}-${i}`,
      properties: { i },
    });
  }
});
say('tracked', { count: plan.count });

if (plan.finish === 'flush-then-idle') {
  await client.flush();
  say('flushed', { pending: client.pending(), buffered: client.bufferStats()?.events ?? null, dropped });
  setInterval(() => {}, 1 << 30);
} else if (plan.finish === 'shutdown') {
  await client.shutdown();
  say('shut-down', { pending: client.pending(), dropped });
} else if (plan.finish === 'wait-signal') {
  say('waiting');
  // Keeps the process up until the signal ends it (after the client's shutdown).
  setInterval(() => {}, 1 << 30);
}
