/** Subscriptions wired to webhooks and audiences, on a real SQLite file (the body: `subscriptions-wiring.support.ts`). */
import { startTestCollector } from '../test/harness.js';
import { describeSubscriptionsWiring } from './subscriptions-wiring.support.js';

describeSubscriptionsWiring(startTestCollector);
