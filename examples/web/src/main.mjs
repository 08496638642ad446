// `pnpm --filter @exhaust/example-web start`: the demo shop alone, for a collector
// already running (`pnpm start` serves both). Reads the write key the collector
// generated in ./data/keys.json unless EXHAUST_WRITE_KEY is set.
import { readFileSync } from 'node:fs';
import { startWebExample } from './serve.mjs';

const collectorUrl = process.env.EXHAUST_HOST ?? 'http://localhost:8787';
const keysFile = new URL('../../../data/keys.json', import.meta.url);
const writeKey = process.env.EXHAUST_WRITE_KEY ?? JSON.parse(readFileSync(keysFile, 'utf8')).writeKey;
const site = await startWebExample({ port: Number(process.env.WEB_PORT ?? 8788), collectorUrl, writeKey });
console.log(`Exhaust demo shop  ${site.url}  (sending to ${collectorUrl})`);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => site.close().then(() => process.exit(0)));
