import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeIdentityContract } from '../../identity.contract.js';
import { createSqliteStore } from '../sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-identity-store-'));
let files = 0;
const freshFile = () => join(dir, `db-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeIdentityContract('sqlite inline', () => createSqliteStore({ file: freshFile(), mode: 'inline' }));
describeIdentityContract('sqlite worker', () => createSqliteStore({ file: freshFile(), mode: 'worker' }));
