/**
 * Test helpers for the PostgreSQL store: the throwaway cluster the `postgres`
 * vitest project started (scripts/postgres-global-setup.mjs), a database per
 * test file, and a fresh schema per store so contract tests start empty.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

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
