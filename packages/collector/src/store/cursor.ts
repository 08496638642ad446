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
