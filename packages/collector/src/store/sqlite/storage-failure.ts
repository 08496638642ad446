/**
 * Tells a failure of the storage under SQLite (disk full, I/O error, read-only
 * file, lock held elsewhere) from a failure of one request's data: the first
 * is every writer's problem and passes when the operator acts, so callers are
 * told to come back later instead of getting a 500.
 */

/**
 * Primary SQLite result codes that mean "the database cannot be written now".
 * Extended codes (`SQLITE_IOERR_WRITE`, `SQLITE_READONLY_DBMOVED`, ...) count with their primary.
 */
const STORAGE_FAILURE_CODES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_BUSY'];

function sqliteCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/** True when `error` is SQLite refusing to write for a reason outside the request. */
export function isStorageFailure(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== null && STORAGE_FAILURE_CODES.some((primary) => code === primary || code.startsWith(`${primary}_`));
}

/** True when the filesystem (or SQLite's size limit) is out of room: a WAL checkpoint may give some back. */
export function isDiskFull(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_FULL';
}

/** One line for logs and health: SQLite's message and code. */
export function describeStorageFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = sqliteCode(error);
  return code ? `${message} (${code})` : message;
}
