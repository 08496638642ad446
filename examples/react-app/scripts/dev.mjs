/**
 * `pnpm --filter @exhaust/example-react-app dev`: the shop on Vite's dev server
 * (http://localhost:5173), the checkout service (http://localhost:8788) and a
 * local collector (http://localhost:8787), all from TypeScript sources (run
 * under tsx with the `source` condition), so nothing needs building first.
 *
 * The collector: EXHAUST_HOST + EXHAUST_WRITE_KEY when set; else the one
 * `pnpm start` runs on :8787 if it answers; else one started here on :8787,
 * with the same database and keys as `pnpm start` (data/ at the repo root).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startCollector } from '@exhaust/collector';
import { createServer } from 'vite';
import { startCheckoutService } from './checkout-service.mjs';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const DATA_DIR = fileURLToPath(new URL('../../../data/', import.meta.url));
const COLLECTOR_PORT = 8787;
const CHECKOUT_PORT = Number(process.env.CHECKOUT_PORT ?? 8788);
const SHOP_PORT = Number(process.env.PORT ?? 5173);

async function answers(url) {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** @returns {Promise<{ host: string, writeKey: string, adminKey: string | null, close(): Promise<void> }>} */
async function collector() {
  if (process.env.EXHAUST_HOST) {
    if (!process.env.EXHAUST_WRITE_KEY) throw new Error('EXHAUST_HOST is set: set EXHAUST_WRITE_KEY too');
    return {
      host: process.env.EXHAUST_HOST,
      writeKey: process.env.EXHAUST_WRITE_KEY,
      adminKey: null,
      close: async () => {},
    };
  }
  const local = `http://localhost:${COLLECTOR_PORT}`;
  if (await answers(local)) {
    const keys = JSON.parse(readFileSync(`${DATA_DIR}keys.json`, 'utf8'));
    console.log(`using the collector already running on ${local}`);
    return { host: local, writeKey: keys.writeKey, adminKey: keys.adminKey, close: async () => {} };
  }
  const running = await startCollector({ port: COLLECTOR_PORT, db: `${DATA_DIR}exhaust.db`, logLevel: 'info' });
  return { host: local, writeKey: running.writeKey, adminKey: running.adminKey, close: () => running.close() };
}

const target = await collector();
/** @type {import('../src/config.ts').ShopConfig} */
const config = { writeKey: target.writeKey, host: target.host, checkoutUrl: null };
const vite = await createServer({
  root: APP_DIR,
  server: { port: SHOP_PORT, host: 'localhost' },
  plugins: [
    {
      name: 'exhaust-shop-config',
      configureServer(server) {
        server.middlewares.use('/config.json', (_request, response) => {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify(config));
        });
      },
    },
  ],
});
await vite.listen();
const shopUrls = vite.resolvedUrls?.local ?? [`http://localhost:${SHOP_PORT}/`];
const checkout = await startCheckoutService({
  writeKey: target.writeKey,
  host: target.host,
  allowedOrigins: shopUrls.map((url) => new URL(url).origin),
  port: CHECKOUT_PORT,
  hostname: 'localhost',
});
config.checkoutUrl = checkout.url;

const admin = target.adminKey ?? '$EXHAUST_ADMIN_KEY';
console.log(`
  shop       ${shopUrls[0]}
  checkout   ${checkout.url}/checkout
  collector  ${target.host}

  After a purchase as ada@example.org, her profile (browser and server events):
  curl -H "Authorization: Bearer ${admin}" ${target.host}/v1/profiles/userId:u-ada/events
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    if (stopping) return;
    stopping = true;
    await vite.close();
    await checkout.close();
    await target.close();
    process.exit(0);
  });
}
