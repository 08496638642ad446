/** Webhooks end to end on a real SQLite file (the body: `webhooks-http.support.ts`). */
import { startTestCollector } from '../test/harness.js';
import { describeWebhooksOverHttp } from './webhooks-http.support.js';

describeWebhooksOverHttp(startTestCollector);
