/**
 * The SQLite file `migrate-store` copies from. It is opened with an exclusive
 * lock and `query_only`: a collector still running on it makes the open fail
 * (SQLite answers busy), none can start on it during the copy, and this
 * connection can write nothing. Only a file SQLite cannot open for writing at
 * all (read-only media) is read without that check.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { TableSpec } from './table-specs.js';

export class SourceError extends Error {}

export type SqliteRow = Record<string, null | number | bigint | string | Buffer>;

export interface SqliteSource {
  /** What identifies this SQLite store across runs, wherever the file is moved. */
  identity: string;
  /** The SQLite schema version (migrations applied). */
  version: number;
  /** False when the file could only be opened read-only: a running writer could not be ruled out. */
  lockChecked: boolean;
  tables(): Map<string, string[]>;
  count(table: string): number;
  /** The AUTOINCREMENT high-water marks (an id SQLite will never give again). */
  autoincrements(): Map<string, number>;
  /**
   * Rows after `after` (a key tuple, null = from the start), in key order.
   * Each row holds `select`'s expressions under their PostgreSQL column names.
   */
  batch(
    spec: TableSpec,
    select: [column: string, expression: string][],
    after: unknown[] | null,
    limit: number,
  ): SqliteRow[];
  close(): void;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function open(file: string): { db: Database.Database; lockChecked: boolean } {
  if (!existsSync(file)) throw new SourceError(`${file}: no such file`);
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_READONLY') throw error;
    db = new Database(file, { fileMustExist: true, readonly: true });
    return { db, lockChecked: false };
  }
  try {
    // NOTE: in WAL mode an open collector keeps a lock that an exclusive transaction cannot
    // pass; locking_mode EXCLUSIVE then keeps ours until close, so no collector starts meanwhile.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    db.pragma('query_only = ON');
    return { db, lockChecked: true };
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new SourceError(
        `${file} is in use by another process (a collector still running on it?): stop the collector, then run migrate-store again`,
      );
    }
    if (code === 'SQLITE_READONLY') {
      const readonly = new Database(file, { fileMustExist: true, readonly: true });
      return { db: readonly, lockChecked: false };
    }
    throw error;
  }
}

export function openSqliteSource(file: string): SqliteSource {
  const { db, lockChecked } = open(file);
  db.defaultSafeIntegers(false);
  try {
    const hasVersions = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
      .get();
    if (!hasVersions) throw new SourceError(`${file} is not an Exhaust SQLite store (no schema_version table)`);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_NOTADB')
      throw new SourceError(`${file} is not a SQLite database`);
    throw error;
  }
  const versions = db.prepare('SELECT version, name, applied_at FROM schema_version ORDER BY version').all() as {
    version: number;
    name: string;
    applied_at: string;
  }[];
  // The first migration's time (to the millisecond) and the hashed keys (random per install) tell stores apart.
  const keyHashes = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'access_keys'").get()
    ? (db.prepare('SELECT hash FROM access_keys ORDER BY id').all() as { hash: string }[]).map((r) => r.hash)
    : [];
  const identity = createHash('sha256')
    .update(JSON.stringify([versions[0]?.applied_at ?? '', keyHashes]))
    .digest('hex')
    .slice(0, 32);
  const statements = new Map<string, Database.Statement>();

  return {
    identity,
    version: versions.at(-1)?.version ?? 0,
    lockChecked,
    tables() {
      const names = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
      ).map((r) => r.name);
      return new Map(
        names.map((name) => [
          name,
          (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as { name: string }[]).map((c) => c.name),
        ]),
      );
    },
    count: (table) => (db.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n,
    autoincrements() {
      const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get();
      if (!has) return new Map();
      const rows = db.prepare('SELECT name, seq FROM sqlite_sequence').all() as { name: string; seq: number }[];
      return new Map(rows.map((r) => [r.name, r.seq]));
    },
    batch(spec, select, after, limit) {
      const id = `${spec.sqlite}:${after === null ? 'first' : 'next'}:${select.map(([c]) => c).join(',')}`;
      let statement = statements.get(id);
      if (!statement) {
        const keys = spec.key.map((k) => `t.${quote(k)}`);
        const columns = [
          ...select.map(([column, expression]) => `${expression} AS ${quote(column)}`),
          ...spec.key.map((k, i) => `t.${quote(k)} AS ${quote(`__key${i}`)}`),
        ];
        const where = after === null ? '' : `WHERE (${keys.join(', ')}) > (${keys.map(() => '?').join(', ')})`;
        statement = db.prepare(
          `SELECT ${columns.join(', ')} FROM ${quote(spec.sqlite)} t ${where} ORDER BY ${keys.join(', ')} LIMIT ?`,
        );
        statements.set(id, statement);
      }
      return statement.all(...(after ?? []), limit) as SqliteRow[];
    },
    close: () => db.close(),
  };
}
