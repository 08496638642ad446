/** `churn.risk_changed` end to end on a real SQLite file (the body: `churn-risk-webhook.support.ts`). */
import { startTestCollector } from '../test/harness.js';
import { describeChurnRiskWebhook } from './churn-risk-webhook.support.js';

describeChurnRiskWebhook(startTestCollector);
