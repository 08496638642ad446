// First-page latency of each GET /v1/events filter on a large events table (issue 8, item 10).
// The table is built through the store itself (SqliteEngine.ingest: group-commit transactions
// with identity resolution), not over HTTP, then each filter's first page (limit 50) is timed,
// median of RUNS, and SQLite's EXPLAIN QUERY PLAN shows the index each one walks.
// It also measures what the three event indexes of migration 4 cost ingest: the same events
// stored with and without them. Runs the TypeScript sources through tsx (no build needed).
//   BENCH_FILTER_EVENTS=2000000 node bench/event-filters.bench.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
// Workspace packages resolve to their sources under the `source` condition, as in the tests.
if (!process.execArgv.includes('--conditions=source')) {
  const child = spawnSync(process.execPath, ['--conditions=source', here], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

/** Events in the big table; 1M takes a few minutes on 2 shared cores. */
const EVENTS = Number(process.env.BENCH_FILTER_EVENTS ?? 1_000_000);
/** Events in each of the two ingest-cost builds (with and without the event indexes). */
const INGEST_COST_EVENTS = Number(process.env.BENCH_FILTER_INGEST_EVENTS ?? 100_000);
/** Builds of each kind (with and without the indexes), alternated. */
const INGEST_COST_PAIRS = 2;
const PEOPLE = Math.max(10, Math.round(EVENTS / 50));
const EVENTS_PER_TRANSACTION = 5_000;
const RUNS = 7;
const PAGE_LIMIT = 50;

const collectorDir = join(dirname(here), '../packages/collector');
const tsxRoot = dirname(createRequire(join(collectorDir, 'package.json')).resolve('tsx/package.json'));
const { tsImport } = await import(pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href);
const source = (path) => tsImport(pathToFileURL(join(collectorDir, 'src/store/sqlite', path)).href, import.meta.url);
const { SqliteEngine } = await source('engine.ts');
const { EVENT_FILTER_INDEXES_SQL } = await source('event-filters.ts');
const DROP_EVENT_FILTER_INDEXES = 'DROP INDEX events_user_id; DROP INDEX events_anonymous_id; DROP INDEX events_source';

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same table. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The i-th event: one of PEOPLE people on one of two devices (laptop, phone), logged in on
 * 70% of events (which merges both devices into one profile). Sources: web 90%, server 9.9%,
 * `partner` 0.1%. plan: free 70%, pro 29.9%, enterprise 0.1%.
 */
function makeEvent(i, next) {
  const person = Math.floor(next() * PEOPLE);
  const device = next() < 0.5 ? 'laptop' : 'phone';
  const loggedIn = next() < 0.7;
  const s = next();
  const source = s < 0.9 ? 'web' : s < 0.999 ? 'server' : 'partner';
  const p = next();
  const plan = p < 0.7 ? 'free' : p < 0.999 ? 'pro' : 'enterprise';
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const type = next() < 0.2 ? 'page' : 'track';
  const message = {
    type,
    messageId: `m-${i}`,
    timestamp: at,
    anonymousId: `a-${person}-${device}`,
    ...(loggedIn ? { userId: `u-${person}` } : {}),
    ...(type === 'track' ? { event: 'Order Completed' } : { name: 'Home' }),
    properties: { plan, total: Math.round(next() * 10000) / 100, path: `/products/${i % 997}` },
    context: { library: { name: 'bench', version: '1' }, page: { url: 'https://shop.example/' } },
  };
  return { source, messageId: message.messageId, type, receivedAt: at, timestamp: at, message, warnings: [] };
}

function build(file, count, { withoutEventIndexes = false } = {}) {
  const engine = new SqliteEngine({ file });
  if (withoutEventIndexes) {
    engine.db.exec(DROP_EVENT_FILTER_INDEXES);
  }
  const next = random(42);
  const started = performance.now();
  for (let from = 0; from < count; from += EVENTS_PER_TRANSACTION) {
    const batch = [];
    for (let i = from; i < Math.min(count, from + EVENTS_PER_TRANSACTION); i += 1) batch.push(makeEvent(i, next));
    engine.ingest(batch);
  }
  return { engine, usPerEvent: ((performance.now() - started) * 1000) / count };
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-filters-'));
try {
  console.log(
    `event-filters: building ${EVENTS.toLocaleString('en')} events for ${PEOPLE.toLocaleString('en')} people`,
  );
  const { engine, usPerEvent } = build(join(dir, 'big.db'), EVENTS);
  console.log(`built in ${((usPerEvent * EVENTS) / 1e6).toFixed(0)} s (${usPerEvent.toFixed(1)} us per event)`);

  // A person who logged in on both devices: a merged profile of two fragments.
  const person = Array.from({ length: PEOPLE }, (_, i) => i).find(
    (i) => (engine.listProfileEvents({ type: 'userId', value: `u-${i}` }, { limit: 1 })?.data.length ?? 0) > 0,
  );
  const filters = [
    ['(none)', {}],
    ['profile=userId:u-N (2 fragments)', { profile: { type: 'userId', value: `u-${person}` } }],
    ['userId=u-N', { userId: `u-${person}` }],
    ['anonymousId=a-N-phone', { anonymousId: `a-${person}-phone` }],
    ['source=web (90%)', { source: 'web' }],
    ['source=partner (0.1%)', { source: 'partner' }],
    ['source=nobody (no event)', { source: 'nobody' }],
    ['type=track&source=partner', { type: 'track', source: 'partner' }],
    ['properties.plan=pro (30%)', { properties: { plan: 'pro' } }],
    ['properties.plan=enterprise (0.1%)', { properties: { plan: 'enterprise' } }],
    ['properties.plan=none (no match: bound)', { properties: { plan: 'none' } }],
    ['userId=u-N&properties.plan=pro', { userId: `u-${person}`, properties: { plan: 'pro' } }],
    [
      'profile=...&properties.plan=pro',
      { profile: { type: 'userId', value: `u-${person}` }, properties: { plan: 'pro' } },
    ],
  ];
  console.log(`\nfirst page (limit ${PAGE_LIMIT}), median of ${RUNS} runs:`);
  console.log('| filter | ms | events on page | more | plan |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, filter] of filters) {
    const query = { limit: PAGE_LIMIT, ...filter };
    const times = [];
    let page;
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      page = engine.listEvents(query);
      times.push(performance.now() - started);
    }
    const plan = engine.explainListEvents(query).join('; ');
    const more = page.nextCursor ? 'yes' : 'no';
    console.log(`| ${name} | ${median(times).toFixed(2)} | ${page.data.length} | ${more} | ${plan} |`);
  }
  // What migration 4 costs an existing database of this size: building the three indexes.
  engine.db.exec(DROP_EVENT_FILTER_INDEXES);
  const indexing = performance.now();
  engine.db.exec(EVENT_FILTER_INDEXES_SQL);
  console.log(
    `\nbuilding migration 4's event indexes on this table: ${((performance.now() - indexing) / 1000).toFixed(1)} s`,
  );
  engine.close();

  // Alternated (with, without, with, without) so that load from other processes hits both alike.
  console.log(`\ningest cost of the event indexes (${INGEST_COST_EVENTS.toLocaleString('en')} events per build):`);
  const cost = { with: [], without: [] };
  for (let pair = 0; pair < INGEST_COST_PAIRS; pair += 1) {
    for (const variant of ['with', 'without']) {
      const file = join(dir, `cost-${variant}-${pair}.db`);
      const built = build(file, INGEST_COST_EVENTS, { withoutEventIndexes: variant === 'without' });
      built.engine.close();
      cost[variant].push(built.usPerEvent.toFixed(1));
    }
  }
  console.log(
    `us per event with the userId/anonymousId/source indexes: ${cost.with.join(', ')}; without: ${cost.without.join(', ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
