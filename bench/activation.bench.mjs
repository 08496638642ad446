// Activation (issue 9): ingest with 10 computed traits and 10 audiences defined (half of them
// windowed) next to plain ingest, in the same run and on the same workloads; then the
// scheduler's lag: how long after a window lapses the exit is recorded, over 1,000 timed exits.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKLOADS } from './ingest-workloads.mjs';
import {
  CONNECTIONS,
  medianOf,
  RUN_SECONDS,
  RUNS,
  runOnce,
  startServer,
  stopServer,
  WARMUP_SECONDS,
} from './lib/ingest-run.mjs';

/** The workloads measured with and without definitions (the identity-heavy one is ingest.bench's). */
const MEASURED_WORKLOADS = (process.env.BENCH_WORKLOADS ?? 'track, batch 20|track, batch 1').split('|');
/** Timed exits whose lag is measured. */
const TIMED_EXITS = 1000;
/** Events per request while sending them (each its own profile). */
const TIMED_EXITS_PER_REQUEST = 100;
/** Window of the probe audience: each profile exits this long after its event. */
const PROBE_WINDOW_MS = 3000;
const POLL_MS = 100;
const LAG_TIMEOUT_MS = 60_000;

if (
  !process.env.BENCH_COLLECTOR_DIST &&
  !existsSync(fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url)))
) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}

// The workloads' events are `Product Viewed` with price, currency and category.
const VIEWED = 'Product Viewed';
const COMPUTED_TRAITS = [
  { key: 'views', kind: 'count', event: VIEWED },
  { key: 'views_7d', kind: 'count', event: VIEWED, within: '7d' },
  { key: 'spend', kind: 'sum', event: VIEWED, property: 'price' },
  { key: 'spend_30d', kind: 'sum', event: VIEWED, property: 'price', within: '30d' },
  { key: 'price_avg', kind: 'avg', event: VIEWED, property: 'price' },
  { key: 'price_max_1d', kind: 'max', event: VIEWED, property: 'price', within: '1d' },
  { key: 'first_category', kind: 'first', event: VIEWED, property: 'category' },
  { key: 'categories_7d', kind: 'uniqueList', event: VIEWED, property: 'category', within: '7d' },
  { key: 'top_currency', kind: 'mostFrequent', event: VIEWED, property: 'currency' },
  {
    key: 'engagement',
    kind: 'score',
    rules: [{ when: { event: VIEWED }, points: 5, maxPerDay: 50 }],
    halfLife: '7d',
  },
];
const AUDIENCES = [
  { key: 'viewers', name: 'Viewers', condition: { computed: 'views', op: 'gte', value: 1 } },
  { key: 'heavy_viewers', name: 'Heavy viewers', condition: { computed: 'views', op: 'gte', value: 20 } },
  { key: 'recent_viewers', name: 'Viewed today', condition: { event: VIEWED, within: '1d' } },
  {
    key: 'active_week',
    name: 'Five views this week',
    condition: { event: VIEWED, within: '7d', count: { op: 'gte', value: 5 } },
  },
  { key: 'big_spenders', name: 'Big spenders', condition: { computed: 'spend_30d', op: 'gte', value: 100 } },
  { key: 'engaged', name: 'Engaged', condition: { computed: 'engagement', op: 'gte', value: 25 } },
  {
    key: 'shoe_fans',
    name: 'Shoe fans',
    condition: { event: VIEWED, where: [{ property: 'category', op: 'eq', value: 'shoes' }] },
  },
  { key: 'euro_shoppers', name: 'Euro shoppers', condition: { computed: 'top_currency', op: 'eq', value: 'EUR' } },
  {
    key: 'gone_quiet',
    name: 'Viewed before, not in the last hour',
    condition: { all: [{ event: VIEWED }, { event: VIEWED, within: '1h', count: { op: 'eq', value: 0 } }] },
  },
  {
    key: 'pro_viewers',
    name: 'Pro viewers',
    condition: { all: [{ audience: 'viewers' }, { trait: 'plan', op: 'eq', value: 'pro' }] },
  },
];

/**
 * The same audiences, each also requiring a trait no bench visitor has: every definition is still
 * evaluated on every event, but nobody enters. Separates the cost of evaluating from the cost of
 * recording membership changes (a lifecycle event, a change and a membership row each).
 */
const AUDIENCES_NOBODY_ENTERS = AUDIENCES.map((audience) => ({
  ...audience,
  condition: { all: [audience.condition, { trait: 'plan', op: 'eq', value: 'enterprise' }] },
}));

async function adminRequest(server, method, path, body) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function define(server, computedTraits, audiences) {
  for (const trait of computedTraits) await adminRequest(server, 'POST', '/v1/computed-traits', trait);
  for (const audience of audiences) await adminRequest(server, 'POST', '/v1/audiences', audience);
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Sends TIMED_EXITS events (one profile each), waits for every exit, answers each exit's lag in ms. */
async function schedulerLags(server) {
  await define(server, [], [{ key: 'lag_probe', name: 'Probed', condition: { event: 'Lag Probe', within: '3s' } }]);
  const sentAt = new Map();
  const basic = `Basic ${Buffer.from(`${server.writeKey}:`).toString('base64')}`;
  for (let offset = 0; offset < TIMED_EXITS; offset += TIMED_EXITS_PER_REQUEST) {
    const batch = [];
    for (let i = offset; i < offset + TIMED_EXITS_PER_REQUEST; i++) {
      const at = Date.now();
      sentAt.set(`probe-${i}`, at);
      batch.push({
        type: 'track',
        event: 'Lag Probe',
        anonymousId: `probe-${i}`,
        timestamp: new Date(at).toISOString(),
      });
    }
    const response = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ batch }),
    });
    if (!response.ok) throw new Error(`batch: ${response.status}`);
  }
  const exits = new Map();
  let since = '';
  const deadline = Date.now() + LAG_TIMEOUT_MS;
  while (exits.size < TIMED_EXITS) {
    if (Date.now() > deadline) throw new Error(`only ${exits.size} exits after ${LAG_TIMEOUT_MS} ms`);
    const page = await adminRequest(server, 'GET', `/v1/audiences/lag_probe/changes?limit=1000${since}`);
    for (const change of page.data) if (change.change === 'exited') exits.set(change.profileId, Date.parse(change.at));
    since = `&since=${page.nextCursor}`;
    if (page.data.length < 1000) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const lags = [];
  for (const [anonymousId, at] of sentAt) {
    const profile = await adminRequest(
      server,
      'GET',
      `/v1/profiles/${encodeURIComponent(`anonymousId:${anonymousId}`)}`,
    );
    lags.push(exits.get(profile.id) - (at + PROBE_WINDOW_MS));
  }
  return lags.sort((a, b) => a - b);
}

const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-activation-'));
const rows = [];
let lags;
try {
  for (const name of MEASURED_WORKLOADS) {
    const workload = WORKLOADS.find((w) => w.name === name);
    // The three collectors run side by side (idle ones cost nothing) and are measured in turn, run
    // after run: on a shared machine, load drifts over minutes, and interleaving spreads it evenly.
    const configs = [
      { label: 'nothing defined', audiences: null },
      { label: '10 traits + 10 audiences', audiences: AUDIENCES },
      { label: 'same, nobody enters', audiences: AUDIENCES_NOBODY_ENTERS },
    ];
    for (const config of configs) {
      config.server = await startServer('collector-server.mjs', [join(dir, `${name}-${config.label}.db`)]);
      if (config.audiences) await define(config.server, COMPUTED_TRAITS, config.audiences);
      await runOnce(config.server, workload, WARMUP_SECONDS);
      config.runs = [];
    }
    for (let i = 0; i < RUNS; i++) {
      for (const config of configs) config.runs.push(await runOnce(config.server, workload));
    }
    const plain = medianOf(configs[0].runs);
    for (const config of configs) {
      await stopServer(config.server);
      const result = medianOf(config.runs);
      rows.push({
        workload: name,
        server: `collector, ${config.label}`,
        ...result,
        ratio: result.eventsPerSecond / plain.eventsPerSecond,
      });
      console.log(
        `${name}, ${config.label}: ${result.eventsPerSecond} ev/s (runs: ${config.runs.map((r) => r.eventsPerSecond).join(', ')})`,
      );
    }
  }
  const probe = await startServer('collector-server.mjs', [join(dir, 'lag.db')]);
  try {
    lags = await schedulerLags(probe);
  } finally {
    await stopServer(probe);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nIngest with activation, ${CONNECTIONS} connections, median of ${RUNS} x ${RUN_SECONDS} s (Node ${process.version})`,
);
console.table(
  rows.map((r) => ({
    workload: r.workload,
    server: r.server,
    'events/s': r.eventsPerSecond,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'x plain': r.ratio.toFixed(2),
  })),
);
console.log(
  `Scheduler lag over ${lags.length} timed exits (recorded minus the instant the window lapsed): ` +
    `p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${lags.at(-1)} ms, min ${lags[0]} ms`,
);
