/**
 * Churn risk over HTTP on PostgreSQL, a database per collector: churn read by
 * audiences and the activation scheduler; the same body as on SQLite
 * (`churn-risk-http.support.ts`).
 */
import { describe } from 'vitest';
import { postgresTestCollectors, testPostgresUrl } from '../test/postgres.js';
import { describeChurnRiskOverHttp } from './churn-risk-http.support.js';

const clusterUrl = testPostgresUrl();

describe.skipIf(clusterUrl === null)('on PostgreSQL', () => {
  describeChurnRiskOverHttp(postgresTestCollectors(clusterUrl ?? ''));
});
