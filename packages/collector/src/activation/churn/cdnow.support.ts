/**
 * Test support: the CDNOW summary of Fader, Hardie and Lee (2005), read from
 * the project's shared data folder, which sits beside the repository clone
 * (`<repo root>/../shared`, as in CI). `EXHAUST_SHARED_DIR` points elsewhere
 * for a checkout laid out differently (a git worktree). A missing file throws:
 * the paper reproduction must never pass by being skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BgNbdCustomer } from './bgnbd.js';

const CDNOW_FILE = 'data/cdnow_customers_summary.csv';

/** Where the shared folder is: `$EXHAUST_SHARED_DIR`, else beside the repository root. */
export function sharedDir(): string {
  const fromEnv = process.env.EXHAUST_SHARED_DIR;
  if (fromEnv) return fromEnv;
  // This file is <repo root>/packages/collector/src/activation/churn/cdnow.support.ts.
  return fileURLToPath(new URL('../../../../../../shared', import.meta.url));
}

/** The 2,357 CDNOW customers as (x, t_x, T) in weeks, in file order (ID 1 first). */
export function loadCdnowSummary(): BgNbdCustomer[] {
  const file = join(sharedDir(), CDNOW_FILE);
  if (!existsSync(file)) {
    throw new Error(
      `CDNOW data missing: ${file} does not exist. It is shared/${CDNOW_FILE} beside the repository clone; set EXHAUST_SHARED_DIR to the shared folder if your checkout is elsewhere.`,
    );
  }
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  if (header !== 'ID,frequency,recency,T') throw new Error(`CDNOW data: unexpected header ${header}`);
  return rows.map((row) => {
    const [, x, tx, T] = row.split(',').map(Number);
    return { x: x ?? Number.NaN, tx: tx ?? Number.NaN, T: T ?? Number.NaN };
  });
}
