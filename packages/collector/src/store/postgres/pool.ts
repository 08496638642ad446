/**
 * The connection pool of the PostgreSQL store and the few conventions every
 * module relies on: int8 columns come back as numbers (ids and sequence
 * numbers stay far below 2^53), timestamptz as ISO 8601 strings, and a lost or
 * refusing database becomes StoreError `store_unavailable` (503 to clients,
 * which retry) instead of a 500.
 */
import pg from 'pg';
import { StoreError } from '../errors.js';

/** Connections per collector when the config says nothing: one writer plus readers for the admin API. */
export const DEFAULT_POOL_SIZE = 10;
/** Longest a statement may run when the config says nothing, in milliseconds (0 would mean no limit). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** How long getting a connection may take before the store answers `store_unavailable`, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** How long an idle pooled connection is kept, in milliseconds. */
const IDLE_CONNECTION_TIMEOUT_MS = 30_000;

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const TIMESTAMPTZ_OID = 1184;

const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID) as (value: string) => Date;
/** Type parsers of this store's pool only (never the process-wide defaults another library may rely on). */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    if (oid === TIMESTAMPTZ_OID) return (value: string) => parseTimestamptz(value).toISOString();
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** Schema holding Exhaust's tables (created if missing); the URL's default (`public`) otherwise. */
  schema?: string;
}

/** A connection or the pool: whatever can run a query. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Only plain identifiers are accepted as schema names: the name is spliced into `search_path`. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function createPool(options: PoolOptions): pg.Pool {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(options.schema)}: lowercase letters, digits and _ only`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_CONNECTION_TIMEOUT_MS,
    application_name: 'exhaust-collector',
    // UTC so that text the server renders (partition bounds, logs) reads like our ISO strings.
    options: `-c TimeZone=UTC${options.schema ? ` -c search_path=${options.schema}` : ''}`,
    types: TYPES,
  });
  // NOTE: an idle connection cut by a database restart emits 'error' on the pool; without a
  // listener Node would crash the collector. The pool drops it and connects anew on next use.
  pool.on('error', () => {});
  return pool;
}

/** SQLSTATE classes and codes that mean "the database is not there or not taking work now". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '53100', // disk_full
  '53200', // out_of_memory
  '57014', // query_canceled (statement_timeout)
  '25006', // read_only_sql_transaction (a standby after failover)
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/** True when the error says the database is unreachable or refusing work, not that a statement was wrong. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code)) return true;
  }
  // node-postgres reports a cut connection and a pool timeout in words only.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    error.message,
  );
}

/** SQLSTATEs after which the whole transaction may simply be run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

export function isRetryable(error: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((error as { code?: string } | null)?.code ?? '');
}

/** The error as the port speaks it: unavailability becomes StoreError `store_unavailable`. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreError || !isUnavailable(error)) return error;
  return new StoreError('store_unavailable', `the database is unavailable: ${(error as Error).message}`, {
    cause: error,
  });
}

const guarded = new WeakSet<pg.PoolClient>();

/**
 * A pooled connection that cannot crash the process: pg-pool listens for
 * 'error' on idle connections only, and a connection the database cuts while
 * checked out between two queries (a restart, a failover) emits one with no
 * listener, which Node turns into an uncaught exception. The next query on it
 * fails instead, and is reported as `store_unavailable`.
 */
export async function acquire(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on('error', () => {});
  }
  return client;
}

/** Runs `work` in one transaction on a pooled connection; a broken connection is discarded, not reused. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await acquire(pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const value = await work(client);
    await client.query('COMMIT');
    return value;
  } catch (error) {
    broken = await rollbackQuietly(client, error);
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Rolls back after `error`; answers the error when the connection must not be reused. */
export async function rollbackQuietly(client: pg.PoolClient, error: unknown): Promise<Error | undefined> {
  if (isUnavailable(error)) return error as Error;
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (rollbackError) {
    return rollbackError as Error;
  }
}
