/**
 * Webhooks end to end on PostgreSQL, a database per collector, audience
 * changes from the activation area included: the same body as on SQLite
 * (`webhooks-http.support.ts`).
 */
import { describe } from 'vitest';
import { postgresTestCollectors, testPostgresUrl } from '../test/postgres.js';
import { describeWebhooksOverHttp } from './webhooks-http.support.js';

const clusterUrl = testPostgresUrl();

describe.skipIf(clusterUrl === null)('on PostgreSQL', () => {
  describeWebhooksOverHttp(postgresTestCollectors(clusterUrl ?? ''));
});
