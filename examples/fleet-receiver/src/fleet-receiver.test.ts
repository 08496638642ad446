/**
 * The demo against a real collector over loopback: a customer booking twice
 * enters `booking_surge`, and the fleet receiver gets the alert, verified.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningCollector, startCollector } from '@exhaust/collector';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFleetDemo } from './fleet-demo.js';

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
