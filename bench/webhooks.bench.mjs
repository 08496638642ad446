// Webhooks: (1) ingest events/s of plain ingest next to ingest with one
// event.received endpoint subscribed to every event (its outbox rows written
// in the same transaction, the delivery worker sending meanwhile), in the same
// run; (2) delivered webhooks/s from a backlog to a local receiver, at the
// default per-endpoint concurrency and a higher one. Collector and load
// generator are separate processes; the receiver (node:http, 204) is this one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKLOADS } from './ingest-workloads.mjs';
import { CONNECTIONS, measure, RUN_SECONDS, RUNS, startServer, stopServer } from './lib/ingest-run.mjs';

/** Deliveries in the backlog measured by the delivery part. */
const BACKLOG_DELIVERIES = Number(process.env.BENCH_WEBHOOK_BACKLOG ?? 5000);
const WORKLOAD = WORKLOADS.find((w) => w.name === 'track, batch 20');

if (
  !process.env.BENCH_COLLECTOR_DIST &&
  !existsSync(fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url)))
) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}

// The receiver: counts requests, answers 204 at once.
let received = 0;
let firstAt = 0;
let lastAt = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const now = performance.now();
    if (received === 0) firstAt = now;
    received += 1;
    lastAt = now;
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

function startCollector(db, webhooks) {
  const config = { webhooks: { allowHttp: true, allowPrivateNetworks: true, ...webhooks } };
  return startServer('collector-server.mjs', [db], { ...process.env, BENCH_COLLECTOR_CONFIG: JSON.stringify(config) });
}

async function subscribe(server) {
  const res = await fetch(`${server.url}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiverUrl, events: ['event.received'] }),
  });
  if (res.status !== 201) throw new Error(`endpoint not created: ${res.status} ${await res.text()}`);
}

const ingestRate = async (server) => (await measure(server, WORKLOAD)).eventsPerSecond;

async function deliveryRate(server) {
  received = 0;
  // The backlog is written first (the worker starts on it at once), then drained.
  const batches = [];
  for (let i = 0; i < BACKLOG_DELIVERIES; i += 100) {
    const batch = Array.from({ length: Math.min(100, BACKLOG_DELIVERIES - i) }, (_, j) => ({
      type: 'track',
      event: 'Truck Booked',
      anonymousId: `bench-${i + j}`,
      messageId: `bench-webhook-${Date.now()}-${i + j}`,
    }));
    batches.push(
      fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${server.writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ batch }),
      }),
    );
  }
  await Promise.all(batches);
  const deadline = Date.now() + 600_000;
  while (received < BACKLOG_DELIVERIES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return Math.round(received / ((lastAt - firstAt) / 1000));
}

const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-webhooks-'));
const rows = [];
try {
  const plain = await startCollector(join(dir, 'plain.db'));
  const plainRate = await ingestRate(plain);
  await stopServer(plain);
  rows.push({ case: 'ingest, no endpoint', 'events/s': plainRate, 'x plain': '1.00' });

  const hooked = await startCollector(join(dir, 'hooked.db'));
  await subscribe(hooked);
  received = 0;
  const hookedRate = await ingestRate(hooked);
  const deliveredDuring = received;
  await stopServer(hooked);
  rows.push({
    case: 'ingest, 1 event.received endpoint (every event)',
    'events/s': hookedRate,
    'x plain': (hookedRate / plainRate).toFixed(2),
  });
  console.log(`(${deliveredDuring} webhooks delivered while that ingest ran)`);

  for (const concurrencyPerEndpoint of [4, 16]) {
    const server = await startCollector(join(dir, `deliver-${concurrencyPerEndpoint}.db`), { concurrencyPerEndpoint });
    await subscribe(server);
    const rate = await deliveryRate(server);
    await stopServer(server);
    rows.push({
      case: `delivered webhooks/s, 1 endpoint, concurrency ${concurrencyPerEndpoint}`,
      'events/s': rate,
      'x plain': '',
    });
  }
} finally {
  receiver.closeAllConnections();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nWebhooks: ingest ${WORKLOAD.name}, ${CONNECTIONS} connections, median of ${RUNS} x ${RUN_SECONDS} s; ` +
    `delivery of a ${BACKLOG_DELIVERIES}-event backlog to a local receiver (Node ${process.version})`,
);
console.table(rows);
