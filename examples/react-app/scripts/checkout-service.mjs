/**
 * The checkout service of examples/node-server, wired to a collector with the
 * real Node SDK. Shared by the dev script and the e2e test so both run the
 * same service the same way.
 */
import { createCheckoutServer } from '@exhaust/example-node-server/src/checkout-server.js';
import { createClient } from '@exhaust/node';

/**
 * @param {{ writeKey: string, host: string, allowedOrigins: string[], port?: number, hostname?: string }} options
 * @example const checkout = await startCheckoutService({ writeKey, host: collector.url, allowedOrigins: [shopUrl] });
 */
export async function startCheckoutService({ writeKey, host, allowedOrigins, port = 0, hostname = '127.0.0.1' }) {
  const exhaust = createClient({ writeKey, host });
  const server = createCheckoutServer({ exhaust, allowedOrigins });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve(undefined));
  });
  return {
    url: `http://${hostname}:${server.address().port}`,
    flush: () => exhaust.flush(),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      await exhaust.shutdown();
    },
  };
}
