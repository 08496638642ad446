/**
 * Test helpers for the PostgreSQL store: the throwaway cluster the `postgres`
 * vitest project started (scripts/postgres-global-setup.mjs), a database per
 * test file, and a fresh schema per store so contract tests start empty.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type StartTestCollector, startTestCollector } from './harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test cluster's maintenance database; empty when PostgreSQL is missing. */
    pgUrl: string;
  }
}

/** The test cluster's URL, or null when the suites must skip (never under CI: setup fails first). */
export function testPostgresUrl(): string | null {
  const url = inject('pgUrl') || process.env.EXHAUST_TEST_PG_URL || '';
  return url === '' ? null : url;
}

export interface TestDatabase {
  url: string;
  /** A schema name not used before in this database. */
  freshSchema(): string;
  drop(): Promise<void>;
}

/** Creates a database of its own for one test file; `drop()` removes it. */
export async function createTestDatabase(clusterUrl: string): Promise<TestDatabase> {
  const name = `exhaust_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  let schemas = 0;
  return {
    url: url.toString(),
    freshSchema: () => `s${++schemas}`,
    async drop() {
      const client = new pg.Client({ connectionString: clusterUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Keys for collectors on PostgreSQL: given, so that none is generated into a data folder. */
const TEST_WRITE_KEY = 'pg-test-collector-write-key-0001';
const TEST_ADMIN_KEY = 'pg-test-collector-admin-key-0001';

/**
 * `startTestCollector` on PostgreSQL: each collector gets a database of its own in the test cluster,
 * dropped when it stops, so that a test body written for a fresh SQLite file runs unchanged.
 */
export function postgresTestCollectors(clusterUrl: string): StartTestCollector {
  return async (options = {}) => {
    const database = await createTestDatabase(clusterUrl);
    try {
      const collector = await startTestCollector({
        writeKeys: [TEST_WRITE_KEY],
        adminKey: TEST_ADMIN_KEY,
        ...options,
        db: database.url,
      });
      return {
        ...collector,
        async stop() {
          try {
            await collector.stop();
          } finally {
            await database.drop();
          }
        },
      };
    } catch (error) {
      await database.drop();
      throw error;
    }
  };
}
