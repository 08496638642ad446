/**
 * `migrate-store`: copies a stopped collector's SQLite store into PostgreSQL.
 * The target is migrated first (the store's own migrations), then every table
 * of TABLE_SPECS is copied in SQLite key order, in batches; each batch commits
 * with its progress row, so a killed run resumes where it stopped and never
 * copies a row twice. Sequences are moved past the copied ids, month
 * partitions are made for the events, and per-table counts are compared at the
 * end (a mismatch fails the run).
 */
import type pg from 'pg';
import { LOCK_KEYS } from '../postgres/locks.js';
import { migratePostgres } from '../postgres/migrations.js';
import { createPartitions } from '../postgres/partitions.js';
import { acquire, createPool, inTransaction } from '../postgres/pool.js';
import { coerce } from './coerce.js';
import {
  advanceSequence,
  countRows,
  hasRows,
  insertRows,
  maxOf,
  readTargetTables,
  sequenceExists,
  sequenceOf,
  storeVersion,
  type TargetColumn,
} from './postgres-target.js';
import { readProgress, recordBatch, startProgress } from './progress.js';
import { openSqliteSource, type SqliteSource } from './sqlite-source.js';
import {
  NOT_COPIED_TABLES,
  postgresTableOf,
  STANDALONE_SEQUENCES,
  TABLE_SPECS,
  type TableSpec,
} from './table-specs.js';

/** Rows per batch (one PostgreSQL transaction each) when the caller says nothing. */
export const DEFAULT_MIGRATE_BATCH_ROWS = 2_000;

/** Why the copy cannot start or did not end well; the message is for the operator. */
export class MigrateStoreError extends Error {}

export interface MigrateStoreOptions {
  /** The SQLite file of a stopped collector. */
  from: string;
  /** postgres:// URL of the target. */
  to: string;
  /** Schema of the target (the URL's default otherwise). */
  schema?: string;
  batchRows?: number;
  specs?: TableSpec[];
  /** Progress lines (one per batch and per table). */
  onProgress?: (line: string) => void;
  /** Stops (as if killed) after this many committed batches; for tests of resuming. */
  stopAfterBatches?: number;
}

export interface TableSummary {
  table: string;
  postgres: string;
  sqliteRows: number;
  postgresRows: number | null;
  copiedThisRun: number;
  /** Time spent copying this table in this run. */
  seconds: number;
  status: 'ok' | 'mismatch' | 'empty, not on PostgreSQL' | 'initial row only, not on PostgreSQL';
}

export interface MigrateStoreSummary {
  source: string;
  sqliteVersion: number;
  postgresVersion: number;
  resumed: boolean;
  /** Stopped by `stopAfterBatches` before the end. */
  stopped: boolean;
  ok: boolean;
  rowsCopied: number;
  seconds: number;
  tables: TableSummary[];
}

interface TablePlan {
  spec: TableSpec;
  target: string;
  /** [PostgreSQL column, SQLite expression] of every inserted column. */
  select: [string, string][];
  columns: TargetColumn[];
  sqliteRows: number;
  /** Absent on PostgreSQL (nothing to copy, or the run is refused). */
  missing: boolean;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Seconds since `started` (a performance.now() reading), to the hundredth. */
const seconds = (started: number) => Math.round((performance.now() - started) / 10) / 100;

/** The row (without the batch's `__key` columns) holds exactly `initial`. */
const sameRow = (row: Record<string, unknown>, initial: Record<string, unknown>) => {
  const columns = Object.keys(row).filter((k) => !k.startsWith('__key'));
  return columns.length === Object.keys(initial).length && columns.every((k) => row[k] === initial[k]);
};

/** Matches SQLite tables to the target's; answers the plans and every reason to refuse. */
function plan(
  source: SqliteSource,
  specs: TableSpec[],
  targets: Map<string, TargetColumn[]>,
  postgresVersion: number,
): { plans: TablePlan[]; problems: string[]; notes: Map<string, TableSummary['status']> } {
  const sqliteTables = source.tables();
  const problems: string[] = [];
  const notes = new Map<string, TableSummary['status']>();
  const plans: TablePlan[] = [];
  const specified = new Set(specs.map((s) => s.sqlite));
  for (const [table] of sqliteTables) {
    if (specified.has(table) || NOT_COPIED_TABLES.has(table)) continue;
    const rows = source.count(table);
    if (rows > 0)
      problems.push(
        `SQLite table ${table} holds ${rows} row${rows === 1 ? '' : 's'} and migrate-store has no spec for it`,
      );
  }
  for (const spec of specs) {
    const sqliteColumns = sqliteTables.get(spec.sqlite);
    if (!sqliteColumns) continue; // An older SQLite store: nothing of this area to copy.
    const target = postgresTableOf(spec);
    const sqliteRows = source.count(spec.sqlite);
    const columns = targets.get(target);
    if (!columns) {
      const onlyInitial =
        spec.singleton !== undefined &&
        sqliteRows === 1 &&
        sameRow(
          source.batch(
            spec,
            sqliteColumns.map((c) => [c, `t.${quote(c)}`]),
            null,
            1,
          )[0]!,
          spec.singleton.initial,
        );
      if (sqliteRows === 0) notes.set(spec.sqlite, 'empty, not on PostgreSQL');
      else if (onlyInitial) notes.set(spec.sqlite, 'initial row only, not on PostgreSQL');
      else
        problems.push(
          `table ${target} missing on PostgreSQL (store version ${postgresVersion}): ${sqliteRows} row${sqliteRows === 1 ? '' : 's'} of SQLite ${spec.sqlite} with nowhere to go`,
        );
      plans.push({ spec, target, select: [], columns: [], sqliteRows, missing: true });
      continue;
    }
    const select: [string, string][] = [];
    const used: TargetColumn[] = [];
    for (const column of columns) {
      if (column.generated) continue;
      const expression =
        spec.columns?.[column.name] ?? (sqliteColumns.includes(column.name) ? `t.${quote(column.name)}` : null);
      if (expression === null) {
        if (column.required)
          problems.push(
            `${target}.${column.name} is required on PostgreSQL and SQLite ${spec.sqlite} has no such column`,
          );
        continue;
      }
      select.push([column.name, expression]);
      used.push(column);
    }
    for (const column of sqliteColumns) {
      const copied = select.some(([name]) => name === column);
      if (!copied && !spec.dropped?.[column]) {
        problems.push(`SQLite column ${spec.sqlite}.${column} has no column on PostgreSQL ${target}`);
      }
    }
    plans.push({ spec, target, select, columns: used, sqliteRows, missing: false });
  }
  return { plans, problems, notes };
}

/** Copies the store; resolves the per-table summary (`ok` false on a count mismatch). */
export async function migrateStore(options: MigrateStoreOptions): Promise<MigrateStoreSummary> {
  const started = performance.now();
  const say = options.onProgress ?? (() => {});
  const batchRows = options.batchRows ?? DEFAULT_MIGRATE_BATCH_ROWS;
  const source = openSqliteSource(options.from);
  const pool = createPool({
    url: options.to,
    poolSize: 2,
    statementTimeoutMs: 0,
    ...(options.schema ? { schema: options.schema } : {}),
  });
  let lockClient: pg.PoolClient | undefined;
  try {
    if (!source.lockChecked)
      say(`warning: ${options.from} is read-only to us: make sure no collector is writing to it`);
    await migratePostgres(pool, options.schema ? { schema: options.schema } : {});
    lockClient = await acquire(pool);
    const { rows: locked } = await lockClient.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      LOCK_KEYS.migrateStore,
    ]);
    if (!locked[0]?.ok)
      throw new MigrateStoreError('another migrate-store is copying into this database; wait for it to end');

    const targets = await readTargetTables(pool);
    const version = await storeVersion(pool);
    const { plans, problems, notes } = plan(source, options.specs ?? TABLE_SPECS, targets, version);
    if (problems.length > 0) {
      throw new MigrateStoreError(`nothing copied:\n  - ${problems.join('\n  - ')}`);
    }
    const copying = plans.filter((p) => !p.missing);
    const progress = await readProgress(pool);
    const foreign = [...progress.values()].find((p) => p.source !== source.identity);
    if (foreign) {
      throw new MigrateStoreError(
        `the target holds a copy of another SQLite store (source ${foreign.source}, this one is ${source.identity}); migrate into an empty database`,
      );
    }
    const resumed = progress.size > 0;
    if (!resumed) {
      const filled: string[] = [];
      for (const p of copying) if (!p.spec.singleton && (await hasRows(pool, p.target))) filled.push(p.target);
      if (filled.length > 0) {
        throw new MigrateStoreError(
          `the target already holds data (${filled.join(', ')}); migrate into an empty database`,
        );
      }
    }
    await startProgress(
      pool,
      source.identity,
      copying.map((p) => p.target),
    );
    const current = await readProgress(pool);
    say(
      `${resumed ? 'resuming' : 'copying'} ${options.from} (SQLite version ${source.version}) into PostgreSQL (store version ${version})`,
    );

    const partitions = createPartitions(pool);
    const copied = new Map<string, number>();
    const spent = new Map<string, number>();
    let batches = 0;
    let stopped = false;
    for (const p of copying) {
      const tableStarted = performance.now();
      let after = current.get(p.target)?.lastKey ?? null;
      let total = 0;
      const tsIndex = p.target === 'events' ? p.columns.findIndex((c) => c.name === 'ts') : -1;
      while (!stopped) {
        const rows = source.batch(p.spec, p.select, after, batchRows);
        if (rows.length === 0) break;
        const values = rows.map((row) =>
          p.columns.map((column) =>
            coerce(row[column.name] ?? null, column.dataType, () => `${p.spec.sqlite}.${column.name}`),
          ),
        );
        const last = rows.at(-1)!;
        const lastKey = p.spec.key.map((_, i) => last[`__key${i}`]);
        if (tsIndex >= 0) {
          const failures = await partitions.ensure(values.map((v) => v[tsIndex] as string));
          if (failures.size > 0)
            throw new MigrateStoreError(`events: cannot make month partitions for ${[...failures.keys()].join(', ')}`);
        }
        const inserted = await inTransaction(pool, async (client) => {
          const n = await insertRows(client, p.target, p.columns, values, p.spec.singleton?.postgresKey);
          await recordBatch(client, p.target, lastKey, n);
          return n;
        });
        total += inserted;
        after = lastKey;
        batches += 1;
        say(`${p.target}: ${rows.length} rows read, ${inserted} new (${total} this run of ${p.sqliteRows})`);
        if (options.stopAfterBatches !== undefined && batches >= options.stopAfterBatches) stopped = true;
      }
      copied.set(p.spec.sqlite, total);
      spent.set(p.spec.sqlite, seconds(tableStarted));
      if (stopped) break;
    }

    if (!stopped) await advanceSequences(pool, source, copying);

    const tables: TableSummary[] = [];
    for (const p of plans) {
      const postgresRows = p.missing ? null : await countRows(pool, p.target);
      const status = notes.get(p.spec.sqlite) ?? (postgresRows === p.sqliteRows ? 'ok' : 'mismatch');
      tables.push({
        table: p.spec.sqlite,
        postgres: p.target,
        sqliteRows: p.sqliteRows,
        postgresRows,
        copiedThisRun: copied.get(p.spec.sqlite) ?? 0,
        seconds: spent.get(p.spec.sqlite) ?? 0,
        status,
      });
    }
    const rowsCopied = [...copied.values()].reduce((a, b) => a + b, 0);
    return {
      source: source.identity,
      sqliteVersion: source.version,
      postgresVersion: version,
      resumed,
      stopped,
      ok: !stopped && tables.every((t) => t.status !== 'mismatch'),
      rowsCopied,
      seconds: seconds(started),
      tables,
    };
  } finally {
    if (lockClient) {
      await lockClient.query('SELECT pg_advisory_unlock($1)', [LOCK_KEYS.migrateStore]).catch(() => {});
      lockClient.release();
    }
    source.close();
    await pool.end();
  }
}

/** Identity and serial columns, then the sequences the code draws from by name. */
async function advanceSequences(pool: pg.Pool, source: SqliteSource, copying: TablePlan[]): Promise<void> {
  const autoincrements = source.autoincrements();
  for (const p of copying) {
    for (const column of p.columns) {
      if (!column.sequenced) continue;
      const sequence = await sequenceOf(pool, p.target, column.name);
      if (!sequence) continue;
      const max = await maxOf(pool, p.target, column.name);
      // AUTOINCREMENT ids are never given twice, even after the newest row was erased.
      const never =
        p.spec.key.length === 1 && p.spec.key[0] === column.name ? (autoincrements.get(p.spec.sqlite) ?? 0) : 0;
      const high = Math.max(max ?? 0, never);
      if (high > 0) await advanceSequence(pool, sequence, high);
    }
  }
  const present = new Set(copying.map((p) => p.target));
  for (const { sequence, columns } of STANDALONE_SEQUENCES) {
    if (!(await sequenceExists(pool, sequence))) continue;
    let high = 0;
    for (const [table, column] of columns) {
      if (!present.has(table)) continue;
      high = Math.max(high, (await maxOf(pool, table, column)) ?? 0);
    }
    if (high > 0) await advanceSequence(pool, sequence, high);
  }
}
