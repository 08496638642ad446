/**
 * Opaque pagination cursors. Clients get a string they must not interpret;
 * inside, it is the position after which the next page starts.
 */
import { StoreError } from './errors.js';

const CURSOR_PREFIX = 'v1:';

export function encodeCursor(position: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${position}`, 'utf8').toString('base64url');
}

/** The position inside a cursor; throws `StoreError('invalid_cursor')` for anything we did not issue. */
export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const position = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new StoreError('invalid_cursor', 'cursor is not one this collector issued');
  }
  return position;
}

const KEY_CURSOR_PREFIX = 'k1:';

/** A cursor over a composite key (several text columns), for keyset pages not ordered by a number. */
export function encodeKeyCursor(key: readonly string[]): string {
  return Buffer.from(`${KEY_CURSOR_PREFIX}${JSON.stringify(key)}`, 'utf8').toString('base64url');
}

/** The key inside a cursor of `encodeKeyCursor`, with `size` parts; throws `StoreError('invalid_cursor')` otherwise. */
export function decodeKeyCursor(cursor: string, size: number): string[] {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  let key: unknown = null;
  try {
    if (text.startsWith(KEY_CURSOR_PREFIX)) key = JSON.parse(text.slice(KEY_CURSOR_PREFIX.length));
  } catch {
    key = null;
  }
  if (!Array.isArray(key) || key.length !== size || !key.every((part) => typeof part === 'string')) {
    throw new StoreError('invalid_cursor', 'cursor is not one this collector issued');
  }
  return key;
}
