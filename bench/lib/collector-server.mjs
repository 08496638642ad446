// The collector as operators run it: built dist, worker-thread SQLite store,
// WAL + synchronous=FULL, answers only after commit. Arg: database file, or a
// postgres:// URL (EXHAUST_WRITE_KEYS / EXHAUST_ADMIN_KEY then give every
// collector on that database the same keys).
import { pathToFileURL } from 'node:url';

// BENCH_COLLECTOR_DIST: another build's index.js (a copy survives a parallel `pnpm build` emptying dist/).
const { startCollector } = await import(
  process.env.BENCH_COLLECTOR_DIST
    ? pathToFileURL(process.env.BENCH_COLLECTOR_DIST).href
    : '../../packages/collector/dist/index.js'
);

const collector = await startCollector({
  port: 0,
  db: process.argv[2],
  logLevel: 'warn',
  env: process.env,
  // BENCH_STORE_MODE=inline measures the engine on the HTTP thread, for comparison.
  storeMode: process.env.BENCH_STORE_MODE === 'inline' ? 'inline' : 'worker',
  // BENCH_COLLECTOR_CONFIG: a config object as JSON (webhooks.bench.mjs allows its loopback receiver).
  ...(process.env.BENCH_COLLECTOR_CONFIG ? { config: JSON.parse(process.env.BENCH_COLLECTOR_CONFIG) } : {}),
});
process.stdout.write(
  `${JSON.stringify({ url: collector.url, writeKey: collector.writeKey, adminKey: collector.adminKey })}\n`,
);
process.on('SIGTERM', () => collector.close().then(() => process.exit(0)));
