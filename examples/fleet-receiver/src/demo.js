/**
 * The whole story in one process: a collector (temp database), the fleet
 * receiver, a `booking_surge` audience (2 or more `Truck Booked` within an
 * hour), a webhook for it, and a customer booking twice. The alert is logged
 * by the receiver after verifying its signature. Then the win-back step: a
 * year of rentals, a churn fit, an "at risk and valuable" audience, and a
 * good customer going quiet, whose entry brings a personalised offer.
 * `pnpm --filter @exhaust/example-fleet-receiver demo`
 * (after `pnpm build`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '@exhaust/collector';
import { runFleetDemo } from './fleet-demo.js';
import { runWinBackDemo } from './win-back-demo.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-fleet-demo-'));
const collector = await startCollector({
  port: 0,
  db: join(dir, 'exhaust.db'),
  logLevel: 'warn',
  // The receiver is on this machine: allowed for a self-hosted back office (and this demo) only.
  config: { webhooks: { allowHttp: true, allowPrivateNetworks: true } },
});
try {
  const alert = await runFleetDemo({ collector, log: console.log });
  console.log(`the fleet system got: ${JSON.stringify(alert)}`);
  const offer = await runWinBackDemo({ collector, log: console.log });
  console.log(`the fleet system offered: ${JSON.stringify(offer)}`);
} finally {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
}
