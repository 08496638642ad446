import { describe, expect, it } from 'vitest';
import { describeStorageFailure, isDiskFull, isStorageFailure } from './storage-failure.js';

const sqliteError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('storage failures', () => {
  it.each([
    ['SQLITE_FULL', true, true],
    ['SQLITE_IOERR', true, false],
    ['SQLITE_IOERR_WRITE', true, false],
    ['SQLITE_IOERR_SHMSIZE', true, false],
    ['SQLITE_READONLY_DBMOVED', true, false],
    ['SQLITE_CANTOPEN', true, false],
    ['SQLITE_BUSY', true, false],
    ['SQLITE_CONSTRAINT_NOTNULL', false, false],
    ['SQLITE_CONSTRAINT_PRIMARYKEY', false, false],
    ['SQLITE_ERROR', false, false],
    ['SQLITE_FULLX', false, false],
    ['ENOSPC', false, false],
  ])('%s: storage failure %s, disk full %s', (code, storage, full) => {
    expect(isStorageFailure(sqliteError(code))).toBe(storage);
    expect(isDiskFull(sqliteError(code))).toBe(full);
  });

  it('is false for things that are not SQLite errors', () => {
    for (const value of [null, undefined, 'SQLITE_FULL', new Error('x'), { code: 5 }]) {
      expect(isStorageFailure(value)).toBe(false);
    }
  });

  it('describes a failure with its code', () => {
    expect(describeStorageFailure(sqliteError('SQLITE_FULL', 'database or disk is full'))).toBe(
      'database or disk is full (SQLITE_FULL)',
    );
    expect(describeStorageFailure(new Error('plain'))).toBe('plain');
  });
});
