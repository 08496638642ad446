// `pnpm start`: the collector from the built dist on http://localhost:8787, with
// its SQLite file and generated keys under ./data/. Ctrl-C stops it cleanly.
// Next to it, the demo shop (examples/web, the script tag) on http://localhost:8788.

import { startWebExample } from '../examples/web/src/serve.mjs';
import { startCollector } from '../packages/collector/dist/index.js';

const PORT = Number(process.env.PORT ?? 8787);
const WEB_PORT = Number(process.env.WEB_PORT ?? PORT + 1);

const collector = await startCollector({
  port: PORT,
  host: 'localhost',
  db: process.env.EXHAUST_DB ?? './data/exhaust.db',
  env: process.env,
  logLevel: 'info',
});

console.log(`
Exhaust collector  http://localhost:${collector.port}
  write key  ${collector.writeKey}
  admin key  ${collector.adminKey}${collector.keysFile ? `\n  (kept in ${collector.keysFile})` : ''}

  curl -u ${collector.writeKey}: http://localhost:${collector.port}/v1/track \\
    -H 'content-type: application/json' -d '{"event":"Hello","anonymousId":"a-1"}'
  curl -H 'authorization: Bearer ${collector.adminKey}' http://localhost:${collector.port}/v1/events
`);

const site = await startWebExample({
  port: WEB_PORT,
  host: 'localhost',
  collectorUrl: `http://localhost:${collector.port}`,
  writeKey: collector.writeKey,
});
console.log(`Demo shop (script tag)  ${site.url}
  accept the banner, add to cart, log in; then, with ADMIN_KEY=${collector.adminKey}, the page shows
  the curl line that prints your profile at the collector.
`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => Promise.all([site.close(), collector.close()]).then(() => process.exit(0)));
}
