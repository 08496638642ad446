import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeWebhooksContract } from '../../webhooks.contract.js';
import { createSqliteStore } from '../sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-webhooks-store-'));
let files = 0;
const freshFile = () => join(dir, `db-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeWebhooksContract('sqlite inline', () => createSqliteStore({ file: freshFile(), mode: 'inline' }));
describeWebhooksContract('sqlite worker', () => createSqliteStore({ file: freshFile(), mode: 'worker' }));
