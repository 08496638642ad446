/** Audiences over HTTP on a real SQLite file (the body: `audiences.support.ts`). */
import { startTestCollector } from '../test/harness.js';
import { describeAudiencesOverHttp } from './audiences.support.js';

describeAudiencesOverHttp(startTestCollector);
