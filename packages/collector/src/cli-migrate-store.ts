/**
 * `exhaust-collector migrate-store`: moves a SQLite store into PostgreSQL.
 * Progress lines go to stderr, the per-table summary (a table, or JSON with
 * `--json`) to stdout; the exit code is 0 only when every count matches.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from './config/config-schema.js';
import { DEFAULT_DB_FILE } from './server.js';
import { CoercionError } from './store/migrate/coerce.js';
import {
  DEFAULT_MIGRATE_BATCH_ROWS,
  MigrateStoreError,
  type MigrateStoreSummary,
  migrateStore,
} from './store/migrate/migrate-store.js';
import { SourceError } from './store/migrate/sqlite-source.js';
import { isPostgresUrl, redactUrl } from './store/open-store.js';

export const MIGRATE_STORE_USAGE = `Usage: exhaust-collector migrate-store --to <postgres-url> [options]

Copies everything a SQLite store holds (events, profiles, merges, erasures, suppressions,
sources and keys, rejections, warnings, audiences, webhooks and their outbox, subscriptions,
churn fits) into PostgreSQL, then compares row counts per table.

Stop the collector that uses the SQLite file first: the command refuses a file in use.
Interrupted? Run the same command again: it resumes after the last batch committed and
never copies a row twice. Running it again after it ended copies nothing and checks again.

Options:
  --from <file>       SQLite database file (default ${DEFAULT_DB_FILE})
  --to <url>          postgres:// URL of an empty database (or of this copy, to resume)
  --schema <name>     PostgreSQL schema to copy into (default: the URL's)
  --batch-rows <n>    rows per batch, each batch one transaction (default ${DEFAULT_MIGRATE_BATCH_ROWS})
  --json              print the summary as JSON
  -h, --help          show this help

Exit code: 0 when every table's counts match, 1 otherwise or on error.
`;

export function formatSummary(summary: MigrateStoreSummary): string {
  const header = ['table', 'sqlite rows', 'postgres rows', 'copied now', 'status'];
  const rows = summary.tables.map((t) => [
    t.postgres === t.table ? t.table : `${t.table} -> ${t.postgres}`,
    String(t.sqliteRows),
    t.postgresRows === null ? '-' : String(t.postgresRows),
    String(t.copiedThisRun),
    t.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const verdict = summary.stopped
    ? 'STOPPED before the end: run the command again to resume'
    : summary.ok
      ? `OK: every count matches (${summary.rowsCopied} rows copied in ${summary.seconds} s)`
      : 'MISMATCH: some counts differ (see status)';
  return `${[line(header), ...rows.map(line)].join('\n')}\n${verdict}\n`;
}

export async function runMigrateStore(
  argv: string[],
  out: { stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      schema: { type: 'string' },
      'batch-rows': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out.stdout(MIGRATE_STORE_USAGE);
    return 0;
  }
  if (!values.to || !isPostgresUrl(values.to)) throw new ConfigError('--to must be a postgres:// URL');
  const batchRows = Number(values['batch-rows'] ?? DEFAULT_MIGRATE_BATCH_ROWS);
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new ConfigError('--batch-rows must be a positive integer');
  const from = values.from ?? DEFAULT_DB_FILE;
  out.stderr(`migrate-store: ${from} -> ${redactUrl(values.to)}\n`);
  let summary: MigrateStoreSummary;
  try {
    summary = await migrateStore({
      from,
      to: values.to,
      batchRows,
      ...(values.schema ? { schema: values.schema } : {}),
      onProgress: (line) => out.stderr(`${line}\n`),
    });
  } catch (error) {
    // Refusals and bad rows are for the operator to read, not stack traces.
    if (error instanceof MigrateStoreError || error instanceof SourceError || error instanceof CoercionError) {
      out.stderr(`migrate-store: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  out.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return summary.ok ? 0 : 1;
}
