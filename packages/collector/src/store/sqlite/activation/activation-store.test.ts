import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeActivationContract } from '../../activation.contract.js';
import { createSqliteStore } from '../sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-activation-store-'));
let files = 0;
const freshFile = () => join(dir, `db-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeActivationContract('sqlite inline', () => createSqliteStore({ file: freshFile(), mode: 'inline' }));
describeActivationContract('sqlite worker', () => createSqliteStore({ file: freshFile(), mode: 'worker' }));
