// `pnpm start`: the collector from the built dist on http://localhost:8787, with
// its SQLite file and generated keys under ./data/. Ctrl-C stops it cleanly.
// Next to it, the demo shop (examples/web, the script tag) on http://localhost:8788.
// Generated keys are printed in full once, on the start that created them; later
// starts print an export line that reads them from data/keys.json.

import { startWebExample } from '../examples/web/src/serve.mjs';
import { startBanner, startCollector } from '../packages/collector/dist/index.js';

const PORT = Number(process.env.PORT ?? 8787);
const WEB_PORT = Number(process.env.WEB_PORT ?? PORT + 1);

const collector = await startCollector({
  port: PORT,
  host: 'localhost',
  db: process.env.EXHAUST_DB ?? './data/exhaust.db',
  env: process.env,
  logLevel: 'info',
});
const url = `http://localhost:${collector.port}`;

console.log(`${startBanner({ ...collector, url }).trimEnd()}
  then:
  curl -u "$WRITE_KEY:" ${url}/v1/track -H 'content-type: application/json' \\
    -d '{"event":"Hello","anonymousId":"a-1"}'
  curl -H "authorization: Bearer $ADMIN_KEY" ${url}/v1/events
`);

const site = await startWebExample({
  port: WEB_PORT,
  host: 'localhost',
  collectorUrl: url,
  writeKey: collector.writeKey,
});
console.log(`Demo shop (script tag)  ${site.url}
  accept the banner, add to cart, log in as ada@example.org, check out; the page then shows
  the curl lines (using $ADMIN_KEY from the export line above) that print your profile.
`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => Promise.all([site.close(), collector.close()]).then(() => process.exit(0)));
}
