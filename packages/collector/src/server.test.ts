/** What `startCollector` sets up around the app: the data folder's and files' modes. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from './server.js';

const root = mkdtempSync(join(tmpdir(), 'exhaust-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (path: string) => (existsSync(path) ? (statSync(path).mode & 0o777).toString(8) : 'missing');

describe('data folder', () => {
  it('creates a missing data folder 0700 and the database, WAL, shared memory and keys 0600', async () => {
    const dataDir = join(root, 'fresh', 'data');
    const db = join(dataDir, 'exhaust.db');
    const collector = await startCollector({ port: 0, db, logLevel: 'silent' });
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect([db, `${db}-wal`, `${db}-shm`, join(dataDir, 'keys.json')].map(modeOf)).toEqual([
        '600',
        '600',
        '600',
        '600',
      ]);
    } finally {
      await collector.close();
    }
  });

  it("leaves an existing folder's mode as the operator set it, and still makes the files 0600", async () => {
    const dataDir = join(root, 'operator');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o750);
    const db = join(dataDir, 'exhaust.db');
    const collector = await startCollector({ port: 0, db, logLevel: 'silent' });
    try {
      expect(modeOf(dataDir)).toBe('750');
      expect([db, `${db}-wal`, `${db}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
    } finally {
      await collector.close();
    }
  });
});
