// Ingest throughput and latency: the collector with full durability against a
// bare node:http server that only parses the same JSON, measured in the same
// run, for each workload of ingest-workloads.mjs. Server, load generator and
// this script are three processes. Medians of RUNS short runs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKLOADS } from './ingest-workloads.mjs';
import { CONNECTIONS, measure, RUN_SECONDS, RUNS, startServer, stopServer } from './lib/ingest-run.mjs';

if (
  !process.env.BENCH_COLLECTOR_DIST &&
  !existsSync(fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url)))
) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
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
