/**
 * Subscriptions wired to webhooks and audiences on PostgreSQL, a database of
 * its own: the same body as on SQLite (`subscriptions-wiring.support.ts`).
 */
import { describe } from 'vitest';
import { postgresTestCollectors, testPostgresUrl } from '../test/postgres.js';
import { describeSubscriptionsWiring } from './subscriptions-wiring.support.js';

const clusterUrl = testPostgresUrl();

describe.skipIf(clusterUrl === null)('on PostgreSQL', () => {
  describeSubscriptionsWiring(postgresTestCollectors(clusterUrl ?? ''));
});
