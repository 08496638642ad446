/**
 * Audiences over HTTP on PostgreSQL, a database of its own: activation with
 * identity's merges, unmerges and erasure; the same body as on SQLite
 * (`audiences.support.ts`).
 */
import { describe } from 'vitest';
import { postgresTestCollectors, testPostgresUrl } from '../test/postgres.js';
import { describeAudiencesOverHttp } from './audiences.support.js';

const clusterUrl = testPostgresUrl();

describe.skipIf(clusterUrl === null)('on PostgreSQL', () => {
  describeAudiencesOverHttp(postgresTestCollectors(clusterUrl ?? ''));
});
