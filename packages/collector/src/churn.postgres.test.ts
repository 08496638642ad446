/**
 * The scheduled churn refit with two collector processes (the built CLI) on
 * one PostgreSQL database: both wake when the refit is due and claim it at the
 * same instant, and exactly one fits each time, whichever. Needs `dist/`
 * (`pnpm build`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChurnFit } from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from './store/postgres/postgres-store.js';
import { makeIncomingEvent } from './store/store.contract.js';
import { CLI, type CliProcess, startCli } from './test/cli-process.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from './test/postgres.js';

const clusterUrl = testPostgresUrl();
const ENV = { EXHAUST_WRITE_KEYS: 'pg-churn-write-key-0001', EXHAUST_ADMIN_KEY: 'pg-churn-admin-key-0001' };
/** Short, so that several refits fall due during the test. */
const REFIT_EVERY_MS = 2_000;
/** Refits to watch: the one due when the collectors start, and the ones re-armed after it. */
const FITS_WANTED = 3;
const DAY_MS = 86_400_000;

async function fitsOf(collector: CliProcess): Promise<ChurnFit[]> {
  const res = await fetch(`${collector.url}/v1/models/churn/fits?limit=50`, {
    headers: { authorization: `Bearer ${ENV.EXHAUST_ADMIN_KEY}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ChurnFit[] }).data;
}

describe.skipIf(clusterUrl === null)('churn refit with two collector processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` before these tests`);
    database = await createTestDatabase(clusterUrl!);
    dir = mkdtempSync(join(tmpdir(), 'exhaust-churn-pg-'));
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fits exactly once per due refit, whichever collector claims it', { timeout: 120_000 }, async () => {
    // A small purchase history: 12 customers, 1 to 4 purchase days each.
    const seed = await createPostgresStore({ url: database.url });
    const start = Date.now() - 200 * DAY_MS;
    await seed.ingest(
      Array.from({ length: 12 }, (_, c) =>
        Array.from({ length: 1 + (c % 4) }, (_, p) =>
          makeIncomingEvent({
            timestamp: new Date(start + c * DAY_MS + p * 17 * DAY_MS).toISOString(),
            message: { event: 'Order Completed', anonymousId: `buyer-${c}`, properties: { revenue: 10 + c } },
          }),
        ),
      ).flat(),
    );
    await seed.close();
    const config = join(dir, 'exhaust.config.json');
    writeFileSync(config, JSON.stringify({ churn: { refitEvery: `${REFIT_EVERY_MS / 1000}s`, minPurchasers: 3 } }));

    const collectors = await Promise.all([0, 1].map(() => startCli(['--db', database.url, '--config', config], ENV)));
    let fits: ChurnFit[] = [];
    try {
      while (fits.length < FITS_WANTED) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        fits = await fitsOf(collectors[fits.length % 2]!);
      }
    } finally {
      await Promise.all(collectors.map((collector) => collector.stop()));
    }
    // Read once both stopped: a refit in flight when the loop ended is counted too.
    const reader = await createPostgresStore({ url: database.url });
    fits = (await reader.listChurnFits(50)).reverse();
    await reader.close();
    expect(fits.length).toBeGreaterThanOrEqual(FITS_WANTED);
    // Both collectors wake when a refit falls due (each save re-arms it for both): two fits of
    // one due time would be closer together than the interval.
    for (let i = 1; i < fits.length; i += 1) {
      expect(Date.parse(fits[i]!.fittedAt) - Date.parse(fits[i - 1]!.fittedAt)).toBeGreaterThanOrEqual(REFIT_EVERY_MS);
    }
    expect(fits[0]).toMatchObject({ status: 'fitted', customers: 12 });
  });
});
