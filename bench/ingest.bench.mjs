// Ingest throughput and latency: the collector with full durability against a
// bare node:http server that only parses the same JSON, measured in the same
// run, for each workload of ingest-workloads.mjs. Server, load generator and
// this script are three processes. Medians of RUNS short runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WORKLOADS } from './ingest-workloads.mjs';

const CONNECTIONS = 50;
const RUNS = 3;
const RUN_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;

const lib = (name) => fileURLToPath(new URL(`./lib/${name}`, import.meta.url));
if (
  !process.env.BENCH_COLLECTOR_DIST &&
  !existsSync(fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url)))
) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}

/** Starts a server process and waits for the JSON line with its url. */
async function startServer(script, args) {
  const child = spawn(process.execPath, [lib(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { ...JSON.parse(first), child };
}

async function stopServer(server) {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

function load(server, workload, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [lib('load.mjs'), server.url, server.writeKey, workload.name, String(seconds), String(CONNECTIONS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(server, workload) {
  await load(server, workload, WARMUP_SECONDS);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await load(server, workload, RUN_SECONDS);
    if (r.non2xx || r.errors) console.error(`  ! ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    runs.push({
      eventsPerSecond: (r.requests.average * workload.eventsPerRequest) | 0,
      p50: r.latency.p50,
      p99: r.latency.p99,
    });
  }
  return {
    eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-'));
const rows = [];
try {
  for (const workload of WORKLOADS) {
    const bare = await startServer('bare-server.mjs', []);
    const bareResult = await measure(bare, workload);
    await stopServer(bare);
    const collector = await startServer('collector-server.mjs', [join(dir, `${rows.length}.db`)]);
    const collectorResult = await measure(collector, workload);
    await stopServer(collector);
    rows.push({ workload: workload.name, server: 'bare node:http', ...bareResult, ratio: 1 });
    rows.push({
      workload: workload.name,
      server: 'collector (FULL)',
      ...collectorResult,
      ratio: collectorResult.eventsPerSecond / bareResult.eventsPerSecond,
    });
    console.log(
      `${workload.name}: collector ${collectorResult.eventsPerSecond} ev/s vs bare ${bareResult.eventsPerSecond}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nIngest, ${CONNECTIONS} connections, median of ${RUNS} x ${RUN_SECONDS} s (Node ${process.version})`);
console.table(
  rows.map((r) => ({
    workload: r.workload,
    server: r.server,
    'events/s': r.eventsPerSecond,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'x bare': r.ratio.toFixed(2),
  })),
);
