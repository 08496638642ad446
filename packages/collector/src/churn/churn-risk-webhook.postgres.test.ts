/**
 * `churn.risk_changed` end to end on PostgreSQL, a database of its own: the
 * same body as on SQLite (`churn-risk-webhook.support.ts`).
 */
import { describe } from 'vitest';
import { postgresTestCollectors, testPostgresUrl } from '../test/postgres.js';
import { describeChurnRiskWebhook } from './churn-risk-webhook.support.js';

const clusterUrl = testPostgresUrl();

describe.skipIf(clusterUrl === null)('on PostgreSQL', () => {
  describeChurnRiskWebhook(postgresTestCollectors(clusterUrl ?? ''));
});
