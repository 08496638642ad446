/**
 * Typed failures of a Store, independent of the implementation. They cross the
 * SQLite worker boundary as `{ name, code, message }` and are rebuilt here, so
 * routes can map them to API errors without knowing where the store runs.
 */

/**
 * `not_supported`: this store does not implement the operation's area yet (the PostgreSQL store
 * before an area is ported); the message names the feature.
 */
export const STORE_ERROR_CODES = ['invalid_cursor', 'store_closed', 'store_unavailable', 'not_supported'] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStoreErrorCode(value: unknown): value is StoreErrorCode {
  return typeof value === 'string' && (STORE_ERROR_CODES as readonly string[]).includes(value);
}
