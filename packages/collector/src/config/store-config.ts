/**
 * The `store` block of the config file: how a collector uses a PostgreSQL
 * database (`--db postgres://...`). The embedded SQLite store ignores it.
 */
import { z } from 'zod';
import { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from '../store/postgres/pool.js';

/** Most connections one collector may open; PostgreSQL's own default max_connections is 100 for every client. */
export const MAX_POOL_SIZE = 200;

export const storeConfigSchema = z.strictObject({
  /** Connections this collector keeps to PostgreSQL: one writes each group commit, the rest serve reads. */
  poolSize: z.number().int().min(2).max(MAX_POOL_SIZE).default(DEFAULT_POOL_SIZE),
  /** Longest a statement may run before PostgreSQL cancels it (the request answers 503). */
  statementTimeoutMs: z.number().int().positive().default(DEFAULT_STATEMENT_TIMEOUT_MS),
});

export type StoreConfig = z.output<typeof storeConfigSchema>;
