/**
 * Calls from one client land in the order the client made them: identifies a
 * millisecond apart, spread over concurrent requests that each take their own
 * transit time, still leave every profile at the last value (the collector's
 * clock-skew correction must not reorder them).
 */
import type { Profile } from '@exhaust/schema';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from './client.js';
import { startTestCollector, type TestCollector } from './test/harness.js';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector.stop();
});

it('the last of 10 identifies sent 1 ms apart wins, across concurrent batches', { timeout: 90_000 }, async () => {
  const exhaust = createClient({ writeKey: collector.writeKey, host: collector.url, flushAt: 3, maxBatchEvents: 3 });
  const errors: unknown[] = [];
  exhaust.on('error', (error) => errors.push(error));
  const USERS = 10;
  const IDENTIFIES = 10;
  const run = `order-${Date.now()}`;
  for (let i = 0; i < IDENTIFIES; i++) {
    for (let u = 0; u < USERS; u++) exhaust.identify({ userId: `${run}-${u}`, traits: { step: i } });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await exhaust.shutdown();
  expect(errors).toEqual([]);

  const steps: unknown[] = [];
  for (let u = 0; u < USERS; u++) {
    const res = await fetch(`${collector.url}/v1/profiles/${encodeURIComponent(`userId:${run}-${u}`)}`, {
      headers: { authorization: `Bearer ${collector.adminKey}` },
    });
    steps.push(((await res.json()) as Profile).traits.step);
  }
  expect(steps).toEqual(Array(USERS).fill(IDENTIFIES - 1));
});
