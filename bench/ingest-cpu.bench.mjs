// CPU time per ingested event, per thread of the collector: the HTTP thread
// (main) and the SQLite store worker. Unlike events/s this barely moves when
// other processes load the machine, so it is the figure to optimise. The
// collector runs as operators run it (built dist, worker store, FULL sync) in
// its own process; this script sends a fixed number of requests (50 at a time)
// and reads each thread's utime+stime from /proc (Linux only) before and after.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WORKLOADS } from './ingest-workloads.mjs';

const CONNECTIONS = 50;
const RUNS = 3;
/** Events per measured run; the first run of each workload is preceded by a warm-up of the same size. */
const EVENTS_PER_RUN = Number(process.env.BENCH_CPU_EVENTS ?? 40_000);
/** Linux clock ticks per second (USER_HZ), the unit of utime/stime in /proc. */
const CLOCK_TICKS_PER_SECOND = 100;

if (!existsSync('/proc/self/task')) {
  console.log('ingest-cpu: /proc is not available here (Linux only); skipped.');
  process.exit(0);
}
if (
  !process.env.BENCH_COLLECTOR_DIST &&
  !existsSync(fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url)))
) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}

/** CPU microseconds per thread id of a process. */
function threadCpu(pid) {
  const result = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      result.set(tid, (ticks * 1e6) / CLOCK_TICKS_PER_SECOND);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return result;
}

/** The built collector; BENCH_COLLECTOR_DIST points at another build's index.js (to compare builds). */
const COLLECTOR_ENTRY = process.env.BENCH_COLLECTOR_DIST
  ? pathToFileURL(process.env.BENCH_COLLECTOR_DIST).href
  : new URL('../packages/collector/dist/index.js', import.meta.url).href;

/** Same as lib/collector-server.mjs, with the entry chosen above. */
const SERVER_SOURCE = `
  const { startCollector } = await import(${JSON.stringify(COLLECTOR_ENTRY)});
  const collector = await startCollector({ port: 0, db: process.argv[2], logLevel: 'warn' });
  process.stdout.write(JSON.stringify({ url: collector.url, writeKey: collector.writeKey }) + '\\n');
  process.on('SIGTERM', () => collector.close().then(() => process.exit(0)));
`;

async function startCollector(dbFile) {
  // A file, not `-e`: the store's worker thread would inherit `--input-type` and refuse its entry.
  const script = join(dir, 'collector-server.mjs');
  writeFileSync(script, SERVER_SOURCE);
  const child = spawn(process.execPath, [script, dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
  return { ...JSON.parse(first), child };
}

/** Sends `requests` bodies of the workload, CONNECTIONS at a time; resolves when all are answered. */
function send(server, workload, requests, uniq) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = new URL('/v1/batch', server.url);
  const auth = `Basic ${Buffer.from(`${server.writeKey}:`).toString('base64')}`;
  let next = 0;
  let failed = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(workload.body(String(next++), uniq));
      const req = httpRequest(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: auth } },
        (res) => {
          if (res.statusCode !== 200) failed++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const lane = async () => {
    while (next < requests) await one();
  };
  return Promise.all(Array.from({ length: CONNECTIONS }, lane)).then(() => {
    agent.destroy();
    if (failed) throw new Error(`${failed} requests did not answer 200`);
  });
}

async function measure(server, workload, uniq) {
  const requests = Math.ceil(EVENTS_PER_RUN / workload.eventsPerRequest);
  const events = requests * workload.eventsPerRequest;
  const before = threadCpu(server.child.pid);
  const started = performance.now();
  await send(server, workload, requests, uniq);
  const seconds = (performance.now() - started) / 1000;
  const after = threadCpu(server.child.pid);
  const main = String(server.child.pid);
  let http = 0;
  const others = [];
  for (const [tid, us] of after) {
    const delta = us - (before.get(tid) ?? 0);
    if (tid === main) http = delta;
    else others.push(delta);
  }
  // The store worker is by far the busiest thread besides the main one; the rest are
  // V8's GC/compiler helpers and libuv's pool.
  others.sort((a, b) => b - a);
  const store = others[0] ?? 0;
  const rest = others.slice(1).reduce((sum, us) => sum + us, 0);
  return { http: http / events, store: store / events, other: rest / events, wallEventsPerSecond: events / seconds };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-cpu-'));
const rows = [];
try {
  for (const workload of WORKLOADS) {
    const server = await startCollector(join(dir, `${rows.length}.db`));
    try {
      await measure(server, workload, 'warm');
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await measure(server, workload, `run${i}`));
      const row = {
        workload: workload.name,
        'us CPU/event, HTTP thread': median(runs.map((r) => r.http)).toFixed(1),
        'us CPU/event, store thread': median(runs.map((r) => r.store)).toFixed(1),
        'us CPU/event, other threads': median(runs.map((r) => r.other)).toFixed(1),
        'events/s (wall, noisy)': Math.round(median(runs.map((r) => r.wallEventsPerSecond))),
      };
      rows.push(row);
      console.log(
        `${workload.name}: ${row['us CPU/event, HTTP thread']} us HTTP thread / ${row['us CPU/event, store thread']} us store thread`,
      );
    } finally {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nCPU per event, ${CONNECTIONS} concurrent requests, median of ${RUNS} x ${EVENTS_PER_RUN} events (Node ${process.version})`,
);
console.table(rows);
