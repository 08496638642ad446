/**
 * The demo against a real collector over loopback: a customer booking twice
 * enters `booking_surge`, and the fleet receiver gets the alert, verified; a
 * good customer going quiet enters `win_back` and gets a personalised offer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningCollector, startCollector } from '@exhaust/collector';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFleetDemo } from './fleet-demo.js';
import { AT_RISK_P_ALIVE, runWinBackDemo, WIN_BACK_DISCOUNT_PERCENT } from './win-back-demo.js';

let dir: string;
let collector: RunningCollector;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exhaust-fleet-'));
  collector = await startCollector({
    port: 0,
    db: join(dir, 'exhaust.db'),
    logLevel: 'silent',
    config: { webhooks: { allowHttp: true, allowPrivateNetworks: true } },
  });
});
afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

it('receives the booking surge of a customer who books twice, verified', async () => {
  const alert = await runFleetDemo({ collector });
  expect(alert).toMatchObject({
    type: 'audience.entered',
    audience: 'booking_surge',
    customer: 'ada@example.org',
    id: expect.stringMatching(/^msg_/),
  });
});

it('offers a win-back to the valuable customer whose P(alive) falls below 0.5, verified', async () => {
  const lines: string[] = [];
  const offer = await runWinBackDemo({ collector, log: (line) => lines.push(line) });
  expect(offer).toMatchObject({ customer: 'grace@example.org', discountPercent: WIN_BACK_DISCOUNT_PERCENT });
  expect(offer.pAlive).toBeLessThan(AT_RISK_P_ALIVE);
  expect(offer.pAlive).toBeGreaterThan(AT_RISK_P_ALIVE - 0.05);
  expect(lines.at(-1)).toBe(
    `fleet system: win-back offer for grace@example.org: 15% off, P(alive) ${(Math.floor(offer.pAlive * 1000) / 1000).toFixed(3)}`,
  );
  expect(lines[0]).toMatch(/^seeded \d+ rentals of 250 customers$/);
}, 60_000);
