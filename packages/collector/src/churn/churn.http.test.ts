/** Churn risk over HTTP on a real SQLite file (the body: `churn-risk-http.support.ts`). */
import { startTestCollector } from '../test/harness.js';
import { describeChurnRiskOverHttp } from './churn-risk-http.support.js';

describeChurnRiskOverHttp(startTestCollector);
