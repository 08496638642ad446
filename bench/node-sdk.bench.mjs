// Node SDK throughput: @exhaust/node (built dist) against @segment/analytics-node
// sending the same events to the same collector (its own process, built dist,
// worker-thread SQLite) in the same run. For each client: events captured per
// second (the caller's loop of track() calls) and delivered per second (until
// the collector acknowledged every event), medians of RUNS, and the ratio.
// Every run is checked at the collector: exactly EVENTS stored, once each.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const EVENTS = Number(process.env.BENCH_NODE_EVENTS ?? 20_000);
const RUNS = 3;
/** Both clients send batches of this many events, so the ratio compares the SDKs, not their defaults. */
const BATCH_EVENTS = 100;

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
for (const built of ['packages/sdk-node/dist/index.js', 'packages/collector/dist/index.js']) {
  if (!existsSync(root(built))) {
    console.error(`${built} is missing: run \`pnpm build\` first (\`pnpm bench\` does).`);
    process.exit(1);
  }
}
const { createClient } = await import(pathToFileURL(root('packages/sdk-node/dist/index.js')).href);
// Segment's client is a devDependency of @exhaust/node: resolve it from there.
const requireFromSdk = createRequire(root('packages/sdk-node/package.json'));
const { Analytics } = requireFromSdk('@segment/analytics-node');

const dir = mkdtempSync(join(tmpdir(), 'exhaust-node-bench-'));
const db = join(dir, 'exhaust.db');
const server = spawn(process.execPath, [root('bench/lib/collector-server.mjs'), db], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { url, writeKey } = JSON.parse(
  await new Promise((resolve, reject) => {
    createInterface({ input: server.stdout }).once('line', resolve);
    server.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  }),
);
// The collector generated its keys beside the database.
const { adminKey } = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'));

async function storedCount(event) {
  let count = 0;
  const ids = new Set();
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: '1000', event });
    if (cursor) query.set('cursor', cursor);
    const res = await fetch(`${url}/v1/events?${query}`, { headers: { authorization: `Bearer ${adminKey}` } });
    const page = await res.json();
    for (const stored of page.data) ids.add(stored.messageId);
    count += page.data.length;
    cursor = page.nextCursor;
  } while (cursor);
  return { count, distinct: ids.size };
}

const properties = (i) => ({ i, plan: 'pro', total: 12.5, currency: 'EUR', sku: `sku-${i % 50}` });

/** One run of @exhaust/node: a synchronous burst of track() calls, then flush until all is acknowledged. */
async function runExhaust(event, options) {
  const client = createClient({ writeKey, host: url, ...options });
  let dropped = 0;
  client.on('drop', (messages) => {
    dropped += messages.length;
  });
  const start = performance.now();
  for (let i = 0; i < EVENTS; i++) client.track({ userId: `bench-user-${i % 100}`, event, properties: properties(i) });
  const captured = performance.now();
  while (client.pending() > 0) await client.flush();
  const delivered = performance.now();
  await client.shutdown();
  if (dropped > 0) throw new Error(`@exhaust/node dropped ${dropped} events`);
  return { start, captured, delivered };
}

const CLIENTS = {
  exhaust: {
    label: `@exhaust/node (batches of ${BATCH_EVENTS})`,
    run: (event) => runExhaust(event, { maxBatchEvents: BATCH_EVENTS, flushAt: BATCH_EVENTS }),
  },
  segment: {
    label: `@segment/analytics-node (flushAt ${BATCH_EVENTS})`,
    async run(event) {
      const analytics = new Analytics({ writeKey, host: url, flushAt: BATCH_EVENTS });
      const start = performance.now();
      for (let i = 0; i < EVENTS; i++)
        analytics.track({ userId: `bench-user-${i % 100}`, event, properties: properties(i) });
      const captured = performance.now();
      await analytics.closeAndFlush({ timeout: 300_000 });
      const delivered = performance.now();
      return { start, captured, delivered };
    },
  },
  exhaustDefaults: {
    label: '@exhaust/node (defaults: batches of 500)',
    run: (event) => runExhaust(event, {}),
  },
  exhaustBuffered: {
    label: '@exhaust/node (defaults + disk buffer)',
    run: (event, run) => runExhaust(event, { buffer: { dir: join(dir, `buffer-${run}`) } }),
  },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = Object.fromEntries(Object.keys(CLIENTS).map((name) => [name, { captured: [], delivered: [] }]));

try {
  // Warm both clients' code paths and the collector once, unmeasured.
  for (const [name, client] of Object.entries(CLIENTS)) await client.run(`Warmup ${name}`, 'warmup');
  for (let run = 0; run < RUNS; run++) {
    for (const [name, client] of Object.entries(CLIENTS)) {
      const event = `Bench ${name} ${run}`;
      const { start, captured, delivered } = await client.run(event, run);
      const stored = await storedCount(event);
      if (stored.count !== EVENTS || stored.distinct !== EVENTS) {
        throw new Error(
          `${name} run ${run}: the collector stored ${stored.count} (${stored.distinct} distinct), not ${EVENTS}`,
        );
      }
      results[name].captured.push(EVENTS / ((captured - start) / 1000));
      results[name].delivered.push(EVENTS / ((delivered - start) / 1000));
    }
  }
} finally {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(`${EVENTS.toLocaleString('en-US')} track() calls per run, medians of ${RUNS}, one collector (${url})`);
console.log(`${'client'.padEnd(44)}${'captured/s'.padStart(12)}${'delivered/s'.padStart(12)}`);
for (const [name, client] of Object.entries(CLIENTS)) {
  const { captured, delivered } = results[name];
  console.log(`${client.label.padEnd(44)}${fmt(median(captured))}${fmt(median(delivered))}`);
}
const ratio = (metric) => (median(results.exhaust[metric]) / median(results.segment[metric])).toFixed(2);
console.log(
  `ratio @exhaust/node / @segment/analytics-node at equal batch size: captured ${ratio('captured')}x, delivered ${ratio('delivered')}x`,
);
