// Ingest on PostgreSQL next to SQLite, in one run and one table: the same
// workloads and load generator as ingest.bench.mjs, against one collector on
// SQLite, then 1, 2 and 3 collector processes sharing one throwaway PostgreSQL
// cluster (scripts/postgres.mjs: fsync on, synchronous_commit = on). The load
// (CONNECTIONS in all) is split evenly over the collectors. Besides events/s
// and latency, each row states the CPU spent per event by the collectors and
// by PostgreSQL (its postmaster and backends), from /proc: on these 2-core
// machines that is the figure that carries over to bigger ones.
// Skips (exit 0, one line) when PostgreSQL is not installed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findPostgresBin, startPostgres } from '../scripts/postgres.mjs';
import { WORKLOADS } from './ingest-workloads.mjs';

const CONNECTIONS = 48;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RUN_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const COLLECTOR_COUNTS = [1, 2, 3];
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
const KEYS = { EXHAUST_WRITE_KEYS: 'bench-pg-write-key-0001', EXHAUST_ADMIN_KEY: 'bench-pg-admin-key-0001' };

const lib = (name) => fileURLToPath(new URL(`./lib/${name}`, import.meta.url));
if (!existsSync(fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url)))) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}
if (!findPostgresBin()) {
  console.log('PostgreSQL not found (apt-get install -y postgresql): PostgreSQL rows skipped.');
  process.exit(0);
}

async function startServer(db, env) {
  const child = spawn(process.execPath, [lib('collector-server.mjs'), db], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
  return { ...JSON.parse(first), child };
}

async function stopServer(server) {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

function load(server, workload, seconds, connections) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [lib('load.mjs'), server.url, server.writeKey, workload.name, String(seconds), String(connections)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
  });
}

/** utime + stime of a process (all its threads), in seconds. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds of a PostgreSQL cluster: its postmaster and every live child (backends, walwriter, ...). */
function clusterCpuSeconds(dataDir) {
  if (!dataDir) return 0;
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = cpuSeconds(postmaster);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) total += cpuSeconds(entry);
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Loads every collector at once; answers events/s (sum), latency (worst of the collectors' medians) and CPU. */
async function measure(servers, workload, pgDataDir) {
  const perServer = Math.max(1, Math.round(CONNECTIONS / servers.length));
  await Promise.all(servers.map((s) => load(s, workload, WARMUP_SECONDS, perServer)));
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const collectorCpu0 = servers.reduce((sum, s) => sum + cpuSeconds(s.child.pid), 0);
    const pgCpu0 = clusterCpuSeconds(pgDataDir);
    const results = await Promise.all(servers.map((s) => load(s, workload, RUN_SECONDS, perServer)));
    const collectorCpu = servers.reduce((sum, s) => sum + cpuSeconds(s.child.pid), 0) - collectorCpu0;
    const pgCpu = clusterCpuSeconds(pgDataDir) - pgCpu0;
    for (const r of results) if (r.non2xx || r.errors) console.error(`  ! ${r.non2xx} non-2xx, ${r.errors} errors`);
    // Only acknowledged requests count: a 503 while the store is saturated stores nothing.
    const events = results.reduce((sum, r) => sum + r['2xx'] * workload.eventsPerRequest, 0);
    runs.push({
      eventsPerSecond: (events / RUN_SECONDS) | 0,
      p50: Math.max(...results.map((r) => r.latency.p50)),
      p99: Math.max(...results.map((r) => r.latency.p99)),
      collectorUs: (collectorCpu / events) * 1e6,
      databaseUs: (pgCpu / events) * 1e6,
    });
  }
  const pick = (key) => median(runs.map((r) => r[key]));
  return {
    eventsPerSecond: pick('eventsPerSecond'),
    p50: pick('p50'),
    p99: pick('p99'),
    collectorUs: pick('collectorUs'),
    databaseUs: pick('databaseUs'),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-pg-'));
const pg = await startPostgres();
const rows = [];
let durability = '';
try {
  durability = await settings(pg.url, ['synchronous_commit', 'fsync', 'wal_sync_method', 'shared_buffers']);
  for (const [w, workload] of WORKLOADS.entries()) {
    const sqlite = await startServer(join(dir, `${w}.db`), KEYS);
    const sqliteResult = await measure([sqlite], workload, null);
    await stopServer(sqlite);
    rows.push({ workload: workload.name, store: 'SQLite, 1 collector', ...sqliteResult, databaseUs: null });
    for (const count of COLLECTOR_COUNTS) {
      // A fresh database per row: every row starts from the same (empty) state.
      const database = `bench_${w}_${count}`;
      await createDatabase(pg.url, database);
      const url = pg.url.replace(/\/postgres$/, `/${database}`);
      const servers = [];
      // One at a time: the first migrates, the others find the schema ready.
      for (let i = 0; i < count; i++) servers.push(await startServer(url, KEYS));
      const result = await measure(servers, workload, join(pg.dir, 'data'));
      await Promise.all(servers.map(stopServer));
      rows.push({ workload: workload.name, store: `PostgreSQL, ${count} collector${count > 1 ? 's' : ''}`, ...result });
      console.log(`${workload.name}: PostgreSQL x${count} ${result.eventsPerSecond} ev/s`);
    }
  }
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function query(clusterUrl, text, values) {
  const { createRequire } = await import('node:module');
  const require = createRequire(new URL('../packages/collector/package.json', import.meta.url));
  const { Client } = require('pg');
  const client = new Client({ connectionString: clusterUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function createDatabase(clusterUrl, name) {
  await query(clusterUrl, `CREATE DATABASE ${name}`);
}

/** The server settings the figures depend on, as the running cluster reports them. */
async function settings(clusterUrl, names) {
  const rows = await query(clusterUrl, 'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)', [names]);
  return rows.map((r) => `${r.name}=${r.setting}${r.unit ? ` ${r.unit}` : ''}`).join(', ');
}

console.log(
  `\nIngest on SQLite and PostgreSQL, ${CONNECTIONS} connections split over the collectors, median of ${RUNS} x ${RUN_SECONDS} s (Node ${process.version}, ${cpus().length} cores; PostgreSQL ${durability})`,
);
/** No figure when nothing was acknowledged in the window (requests slower than BENCH_SECONDS): say so, not Infinity. */
const perEvent = (us) => (us === null || !Number.isFinite(us) ? '-' : us.toFixed(0));
const baseline = new Map(rows.filter((r) => r.databaseUs === null).map((r) => [r.workload, r.eventsPerSecond]));
console.table(
  rows.map((r) => ({
    workload: r.workload,
    store: r.store,
    'events/s': r.eventsPerSecond,
    'x SQLite': (r.eventsPerSecond / baseline.get(r.workload)).toFixed(2),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'collector CPU us/event': perEvent(r.collectorUs),
    'PostgreSQL CPU us/event': perEvent(r.databaseUs),
  })),
);
// A request slower than a good part of the window is cut off at its end: its events do not count, but the
// CPU it cost does. Such rows understate events/s and overstate CPU per event.
const slow = rows.filter((r) => r.eventsPerSecond === 0 || r.p99 * 4 > RUN_SECONDS * 1000);
if (slow.length > 0) {
  console.log(
    `! p99 above a quarter of the ${RUN_SECONDS} s window in ${slow.length} rows (machine loaded?): raise BENCH_SECONDS for figures that hold`,
  );
}
