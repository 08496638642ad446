// Subscription checks against the collector as operators run it (built dist,
// worker-thread SQLite): single checks/s and bulk-check addresses/s at
// CONNECTIONS connections, with p50/p99 latency, medians of RUNS runs. The
// address book holds ADDRESSES addresses (imported as CSV, a third subscribed,
// a third unsubscribed, some with topic statuses); checks use a sender key.
// Target (issue 11): a single check's p99 under 5 ms at 50 connections.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CONNECTIONS = 50;
const RUNS = 3;
const RUN_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const ADDRESSES = 50_000;
const BULK_SIZE = 1000;
const SINGLE_P99_TARGET_MS = 5;

const lib = (name) => fileURLToPath(new URL(`./lib/${name}`, import.meta.url));
if (
  !process.env.BENCH_COLLECTOR_DIST &&
  !existsSync(fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url)))
) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-subs-'));
const child = spawn(process.execPath, [lib('collector-server.mjs'), join(dir, 'exhaust.db')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const server = JSON.parse(
  await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  }),
);

async function api(method, path, body, contentType = 'application/json') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': contentType },
    body,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function load(key, mode, seconds) {
  return new Promise((resolve, reject) => {
    const args = [lib('subscriptions-load.mjs'), server.url, key, mode, String(seconds), String(CONNECTIONS)];
    const loader = spawn(process.execPath, [...args, String(ADDRESSES), String(BULK_SIZE)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    loader.stdout.on('data', (chunk) => {
      out += chunk;
    });
    loader.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(key, mode, addressesPerRequest) {
  await load(key, mode, WARMUP_SECONDS);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await load(key, mode, RUN_SECONDS);
    if (r.non2xx || r.errors) console.error(`  ! ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    runs.push({ perSecond: r.requests.average * addressesPerRequest, p50: r.latency.p50, p99: r.latency.p99 });
  }
  return {
    perSecond: Math.round(median(runs.map((r) => r.perSecond))),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  };
}

try {
  const statuses = ['subscribed', 'unsubscribed', 'none'];
  const rows = ['channel,address,topic,status,at'];
  for (let i = 0; i < ADDRESSES; i++) {
    rows.push(`email,person-${i}@example.org,,${statuses[i % 3]},2026-01-01T00:00:00Z`);
    if (i % 5 === 0) rows.push(`email,person-${i}@example.org,offers,unsubscribed,2026-01-01T00:00:00Z`);
  }
  const started = performance.now();
  const imported = await api('POST', '/v1/subscriptions/import', `${rows.join('\n')}\n`, 'text/csv');
  const importSeconds = (performance.now() - started) / 1000;
  console.log(
    `seeded ${rows.length - 1} rows by CSV import in ${importSeconds.toFixed(1)} s (${imported.applied} applied, ${Math.round((rows.length - 1) / importSeconds)} rows/s)`,
  );
  const { key } = await api('POST', '/v1/sender-keys');

  const floor = await measure(key, 'floor', 1);
  const single = await measure(key, 'single', 1);
  const bulk = await measure(key, 'bulk', BULK_SIZE);
  console.log(`\n${CONNECTIONS} connections, ${RUN_SECONDS} s runs, median of ${RUNS}:`);
  console.log('| check | addresses/s (requests/s) | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| floor: GET /healthz (HTTP + one store round trip) | ${floor.perSecond} | ${floor.p50} | ${floor.p99} |`,
  );
  console.log(`| single (GET, one address and topic) | ${single.perSecond} | ${single.p50} | ${single.p99} |`);
  console.log(`| bulk (POST, ${BULK_SIZE} addresses) | ${bulk.perSecond} | ${bulk.p50} | ${bulk.p99} |`);
  console.log(
    `single-check p99 ${single.p99} ms: ${single.p99 < SINGLE_P99_TARGET_MS ? 'under' : 'OVER'} the ${SINGLE_P99_TARGET_MS} ms target`,
  );
} finally {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
