// Where PostgreSQL ingest time goes, statement by statement: one collector on a
// throwaway cluster with pg_stat_statements loaded; each workload of the ingest
// bench is sent sequentially (REQUESTS requests, one at a time, so every group
// holds one request: the worst case for per-group statements), then the
// statements PostgreSQL ran are listed with calls per stored event and their
// share of the server-side execution time, with the WAL written per event. Not a timed bench (no .bench suffix):
// `pnpm build && node bench/postgres-statements.mjs`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findPostgresBin, startPostgres } from '../scripts/postgres.mjs';
import { WORKLOADS } from './ingest-workloads.mjs';

const REQUESTS = Number(process.env.STATEMENTS_REQUESTS ?? 200);
const KEYS = { EXHAUST_WRITE_KEYS: 'stmt-pg-write-key-0001', EXHAUST_ADMIN_KEY: 'stmt-pg-admin-key-0001' };
const require = createRequire(new URL('../packages/collector/package.json', import.meta.url));
const { Client } = require('pg');

if (!findPostgresBin()) {
  console.log('PostgreSQL not found: skipped.');
  process.exit(0);
}

async function sql(url, text) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const pg = await startPostgres();
try {
  await sql(pg.url, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  pg.restart();
  await sql(pg.url, 'CREATE EXTENSION pg_stat_statements');
  for (const [w, workload] of WORKLOADS.entries()) {
    await sql(pg.url, `CREATE DATABASE stmt_${w}`);
    const url = pg.url.replace(/\/postgres$/, `/stmt_${w}`);
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./lib/collector-server.mjs', import.meta.url)), url],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...KEYS } },
    );
    const server = JSON.parse(
      await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve)),
    );
    const auth = `Basic ${Buffer.from(`${server.writeKey}:`).toString('base64')}`;
    const post = async (i) => {
      const res = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(workload.body(String(i), `s${w}`)),
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
      await res.arrayBuffer();
    };
    await post('warm'); // partitions, prepared statements, caches
    await sql(pg.url, 'SELECT pg_stat_statements_reset()');
    const [{ lsn: walBefore }] = await sql(pg.url, 'SELECT pg_current_wal_lsn() AS lsn');
    for (let i = 0; i < REQUESTS; i++) await post(i);
    const [{ bytes: walBytes }] = await sql(
      pg.url,
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${walBefore}')::bigint AS bytes`,
    );
    const events = REQUESTS * workload.eventsPerRequest;
    const rows = await sql(
      pg.url,
      `SELECT s.calls::int, s.total_exec_time, s.rows::int, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) AS query
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = 'stmt_${w}' ORDER BY s.calls DESC, s.total_exec_time DESC`,
    );
    const calls = rows.reduce((sum, r) => sum + r.calls, 0);
    const time = rows.reduce((sum, r) => sum + r.total_exec_time, 0);
    console.log(
      `\n${workload.name}: ${REQUESTS} requests, one at a time, ${events} events: ` +
        `${(calls / events).toFixed(2)} statements per event, ${((time / events) * 1000).toFixed(0)} us server execution per event, ` +
        `${(Number(walBytes) / events).toFixed(0)} WAL bytes per event`,
    );
    console.table(
      rows.map((r) => ({
        'per event': (r.calls / events).toFixed(3),
        'exec %': ((100 * r.total_exec_time) / time).toFixed(1),
        statement: r.query,
      })),
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
} finally {
  await pg.stop();
}
