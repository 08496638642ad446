/**
 * Where a copy stands, kept in the target database (PostgreSQL migration 9)
 * and written in the same transaction as each batch it describes: a run
 * killed at any point resumes after the last committed batch and never copies
 * a row twice. The source identity is how a target refuses a second SQLite
 * file.
 */
import type { Queryable } from '../postgres/pool.js';

/** SQL of PostgreSQL migration version 9. */
export const MIGRATE_STORE_PROGRESS_MIGRATION_SQL = `
  -- One row per copied table of a migrate-store run: which SQLite store it copies
  -- (source) and the SQLite key of the last row committed (JSON array; null before any).
  CREATE TABLE migrate_store_progress (
    table_name text PRIMARY KEY,
    source text NOT NULL,
    last_key text,
    copied bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
`;

export interface TableProgress {
  table: string;
  source: string;
  lastKey: unknown[] | null;
  copied: number;
}

/** Blob keys (hashes) as JSON: `{ "hex": "..." }`. */
export function encodeKey(key: unknown[]): string {
  return JSON.stringify(key.map((part) => (Buffer.isBuffer(part) ? { hex: part.toString('hex') } : part)));
}

export function decodeKey(text: string): unknown[] {
  return (JSON.parse(text) as unknown[]).map((part) =>
    part !== null && typeof part === 'object' && 'hex' in part
      ? Buffer.from((part as { hex: string }).hex, 'hex')
      : part,
  );
}

export async function readProgress(db: Queryable): Promise<Map<string, TableProgress>> {
  const { rows } = await db.query<{ table_name: string; source: string; last_key: string | null; copied: number }>(
    'SELECT table_name, source, last_key, copied FROM migrate_store_progress',
  );
  return new Map(
    rows.map((r) => [
      r.table_name,
      {
        table: r.table_name,
        source: r.source,
        lastKey: r.last_key === null ? null : decodeKey(r.last_key),
        copied: Number(r.copied),
      },
    ]),
  );
}

/** Claims the target for this source: one row per table, nothing copied yet. */
export async function startProgress(db: Queryable, source: string, tables: string[]): Promise<void> {
  await db.query(
    `INSERT INTO migrate_store_progress (table_name, source)
     SELECT t, $1 FROM unnest($2::text[]) AS t ON CONFLICT (table_name) DO NOTHING`,
    [source, tables],
  );
}

export async function recordBatch(db: Queryable, table: string, lastKey: unknown[], inserted: number): Promise<void> {
  await db.query(
    `UPDATE migrate_store_progress SET last_key = $2, copied = copied + $3, updated_at = now() WHERE table_name = $1`,
    [table, encodeKey(lastKey), inserted],
  );
}
