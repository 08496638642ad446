/**
 * Segment's own Node library, unchanged, pointed at the collector with its
 * `host` option: every call type arrives and is stored as Segment would.
 */

import type { Page, Profile, StoredEvent } from '@exhaust/schema';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './test/harness.js';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector.stop();
});

it('@segment/analytics-node delivers every call type', async () => {
  const analytics = new Analytics({ writeKey: collector.writeKey, host: collector.url, flushAt: 3, maxRetries: 0 });
  const failures: unknown[] = [];
  analytics.on('error', (error) => failures.push(error));
  const userId = `node-user-${Date.now()}`;
  analytics.identify({ userId, traits: { email: 'Node.User@example.com', plan: 'pro' } });
  analytics.track({ userId, event: 'Order Completed', properties: { total: 42 } });
  analytics.page({ userId, name: 'Pricing' });
  analytics.screen({ userId, name: 'Home' });
  analytics.group({ userId, groupId: 'acme', traits: { seats: 5 } });
  analytics.alias({ userId, previousId: 'node-anon-1' });
  await analytics.closeAndFlush({ timeout: 15_000 });
  expect(failures).toEqual([]);

  const page = (await (await collector.admin('/v1/events?limit=20')).json()) as Page<StoredEvent>;
  const mine = page.data.filter((e) => e.message.userId === userId);
  expect(mine.map((e) => e.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
  const order = mine.find((e) => e.type === 'track');
  expect(order?.message).toMatchObject({
    event: 'Order Completed',
    properties: { total: 42 },
    context: { library: { name: '@segment/analytics-node' } },
  });
  // Segment's messageIds are kept as sent; the client's timestamp survives as originalTimestamp.
  expect(order?.messageId).toMatch(/^node-next-/);
  expect(order?.message.originalTimestamp).toBeTruthy();
  expect(order?.source).toBe('default');
});

it('@segment/analytics-node: the last of 10 identifies sent 1 ms apart wins, across batches', async () => {
  // Small batches, so each user's identifies spread over several concurrent requests, each with its own transit time.
  const analytics = new Analytics({ writeKey: collector.writeKey, host: collector.url, flushAt: 3, maxRetries: 0 });
  const failures: unknown[] = [];
  analytics.on('error', (error) => failures.push(error));
  const USERS = 10;
  const IDENTIFIES = 10;
  const run = `order-${Date.now()}`;
  for (let i = 0; i < IDENTIFIES; i++) {
    for (let u = 0; u < USERS; u++) analytics.identify({ userId: `${run}-${u}`, traits: { step: i } });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await analytics.closeAndFlush({ timeout: 15_000 });
  expect(failures).toEqual([]);

  const steps: unknown[] = [];
  for (let u = 0; u < USERS; u++) {
    const res = await collector.admin(`/v1/profiles/${encodeURIComponent(`userId:${run}-${u}`)}`);
    steps.push(((await res.json()) as Profile).traits.step);
  }
  expect(steps).toEqual(Array(USERS).fill(IDENTIFIES - 1));
});
