/**
 * Starts the checkout service: `pnpm --filter @exhaust/example-node-server start`
 * (after `pnpm start` has built everything and started the collector).
 *
 * Environment: CHECKOUT_PORT (8789), EXHAUST_HOST (http://localhost:8787),
 * EXHAUST_WRITE_KEY (default: the key `pnpm start` generated in data/keys.json),
 * EXHAUST_BUFFER_DIR (./.exhaust-buffer), ALLOWED_ORIGINS (comma-separated;
 * default the React example's dev origins).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient } from '@exhaust/node';
import { createCheckoutServer, DEFAULT_CHECKOUT_PORT, DEV_ORIGINS } from './checkout-server.js';

// Not PORT: that one is the collector's (and `pnpm start`'s).
const PORT = Number(process.env.CHECKOUT_PORT ?? DEFAULT_CHECKOUT_PORT);
const keysFile = fileURLToPath(new URL('../../../data/keys.json', import.meta.url));

function writeKey() {
  if (process.env.EXHAUST_WRITE_KEY) return process.env.EXHAUST_WRITE_KEY;
  try {
    return JSON.parse(readFileSync(keysFile, 'utf8')).writeKey;
  } catch {
    console.error(`Set EXHAUST_WRITE_KEY, or run \`pnpm start\` first so ${keysFile} exists.`);
    process.exit(1);
  }
}

const exhaust = createClient({
  writeKey: writeKey(),
  host: process.env.EXHAUST_HOST ?? 'http://localhost:8787',
  // Orders survive a collector outage or a crash of this service.
  buffer: { dir: process.env.EXHAUST_BUFFER_DIR ?? './.exhaust-buffer' },
  // On Ctrl-C or SIGTERM: flush, then exit.
  handleSignals: true,
  debug: true,
});
exhaust.on('drop', (messages, reason) => console.warn(`dropped ${messages.length} event(s): ${reason}`));

const server = createCheckoutServer({
  exhaust,
  allowedOrigins: process.env.ALLOWED_ORIGINS?.split(',').map((origin) => origin.trim()) ?? DEV_ORIGINS,
});
server.listen(PORT, 'localhost', () => {
  console.log(
    `checkout service on http://localhost:${PORT}/checkout, tracking to ${process.env.EXHAUST_HOST ?? 'http://localhost:8787'}`,
  );
});
// The client's SIGTERM/SIGINT hook flushes; the server must stop accepting too, or the process would stay up.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close());
