// Shared by the ingest benches: start a server process (bare or collector), drive it with
// the load generator for one workload, and take medians of several short runs.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Concurrent connections of the load generator. */
export const CONNECTIONS = 50;
/** Runs per measurement; the median is reported. */
export const RUNS = 3;
export const RUN_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const WARMUP_SECONDS = 1;

const lib = (name) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** Starts a server process (a script of bench/lib) and waits for the JSON line with its url and keys. */
export async function startServer(script, args, env = process.env) {
  const child = spawn(process.execPath, [lib(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { ...JSON.parse(first), child };
}

export async function stopServer(server) {
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

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One run of `seconds` against the server: events/s and latency percentiles. */
export async function runOnce(server, workload, seconds = RUN_SECONDS) {
  const r = await load(server, workload, seconds);
  if (r.non2xx || r.errors) console.error(`  ! ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return {
    eventsPerSecond: (r.requests.average * workload.eventsPerRequest) | 0,
    p50: r.latency.p50,
    p99: r.latency.p99,
  };
}

/** Medians of each figure over several runs. */
export function medianOf(runs) {
  return {
    eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  };
}

/** Events/s and latency of one workload against one server: median of RUNS runs after a warm-up. */
export async function measure(server, workload) {
  await load(server, workload, WARMUP_SECONDS);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(server, workload));
  return medianOf(runs);
}
