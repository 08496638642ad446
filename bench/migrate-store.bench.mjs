// `exhaust-collector migrate-store` throughput: a SQLite store of EVENTS events
// (a tenth of them identifies, so profiles, identifiers and traits come along)
// is written by the built collector over HTTP, the collector is stopped, then
// the built CLI copies it into a throwaway PostgreSQL cluster
// (scripts/postgres.mjs: fsync on). Prints rows/s over every table copied and
// events/s. Skips (exit 0, one line) when PostgreSQL is not installed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findPostgresBin, startPostgres } from '../scripts/postgres.mjs';

const EVENTS = Number(process.env.BENCH_MIGRATE_EVENTS ?? 100_000);
/** Events per POST /v1/batch while filling the SQLite file. */
const FILL_BATCH_EVENTS = 500;
/** Requests in flight while filling. */
const FILL_CONCURRENCY = 4;
const KEYS = { EXHAUST_WRITE_KEYS: 'bench-migrate-write-key-0001', EXHAUST_ADMIN_KEY: 'bench-migrate-admin-key-0001' };

const CLI = fileURLToPath(new URL('../packages/collector/dist/cli.js', import.meta.url));
const SERVER = fileURLToPath(new URL('./lib/collector-server.mjs', import.meta.url));
if (!existsSync(CLI)) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}
if (!findPostgresBin()) {
  console.log('PostgreSQL not found (apt-get install -y postgresql): migrate-store bench skipped.');
  process.exit(0);
}

function message(i) {
  const person = `bench-${i % 5_000}`;
  const timestamp = new Date(Date.UTC(2026, i % 6, 1 + (i % 28), 12)).toISOString();
  if (i % 10 === 0) {
    return {
      type: 'identify',
      messageId: `m-${i}`,
      userId: person,
      anonymousId: `a-${person}`,
      timestamp,
      traits: { plan: i % 3 ? 'pro' : 'free', seen: i },
    };
  }
  return {
    type: 'track',
    messageId: `m-${i}`,
    event: 'Order Completed',
    anonymousId: `a-${person}`,
    timestamp,
    properties: { total: i % 100, sku: `sku-${i % 50}` },
  };
}

async function fill(file) {
  const child = spawn(process.execPath, [SERVER, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...KEYS },
  });
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
  const { url, writeKey } = JSON.parse(first);
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) {
      const from = next;
      next = Math.min(EVENTS, next + FILL_BATCH_EVENTS);
      const batch = [];
      for (let i = from; i < next; i++) batch.push(message(i));
      const response = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ batch }),
      });
      if (!response.ok) throw new Error(`fill: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function migrate(file, url) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'migrate-store', '--from', file, '--to', url, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`migrate-store exited ${code}\n${err.slice(-2000)}`)),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), 'exhaust-migrate-bench-'));
const pg = await startPostgres();
try {
  const file = join(dir, 'exhaust.db');
  await fill(file);
  const started = performance.now();
  const summary = await migrate(file, pg.url);
  const seconds = (performance.now() - started) / 1000;
  const events = summary.tables.find((t) => t.table === 'events')?.postgresRows ?? 0;
  console.log(
    `migrate-store: ${summary.rowsCopied} rows (${events} events) in ${seconds.toFixed(1)} s wall ` +
      `(${summary.seconds} s copying): ${Math.round(summary.rowsCopied / summary.seconds)} rows/s, ` +
      `${Math.round(events / summary.seconds)} events/s`,
  );
  for (const t of summary.tables.filter((t) => t.sqliteRows > 0))
    console.log(
      `  ${t.table.padEnd(24)} ${String(t.postgresRows).padStart(7)} rows ${t.seconds.toFixed(2).padStart(6)} s`,
    );
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
