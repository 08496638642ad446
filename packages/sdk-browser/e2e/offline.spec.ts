/**
 * Offline durability: events wait in IndexedDB across reloads and arrive once
 * when the network is back; without IndexedDB the SDK keeps working in memory.
 */
import { expect, idbEvents, test } from './fixtures.js';

const NO_AUTO_PAGE = { data: { 'auto-page': 'false' } };

test('offline: 50 events survive two reloads, then arrive exactly once', async ({ page, context, site, collector }) => {
  await page.goto(site.url(NO_AUTO_PAGE));
  await context.setOffline(true);
  await page.evaluate(() => {
    for (let i = 0; i < 50; i++) window.exhaust.track('Offline Event', { i });
  });
  await expect.poll(async () => (await idbEvents(page)).length).toBe(50);

  // The reloads need the site; the collector stays unreachable meanwhile.
  collector.setReachable(false);
  await context.setOffline(false);
  for (const reload of [1, 2]) {
    await page.reload();
    await expect.poll(async () => (await idbEvents(page)).length, `after reload ${reload}`).toBe(50);
  }
  expect(await collector.tracks('Offline Event')).toHaveLength(0);

  // Back online (the `online` event fires) with the collector reachable again.
  await context.setOffline(true);
  collector.setReachable(true);
  await context.setOffline(false);
  await expect.poll(async () => (await collector.tracks('Offline Event')).length, { timeout: 90_000 }).toBe(50);
  const stored = await collector.tracks('Offline Event');
  expect(new Set(stored.map((event) => event.messageId)).size).toBe(50);
  const indexes = stored.map((event) => (event.message.properties as { i: number }).i).sort((a, b) => a - b);
  expect(indexes).toEqual([...Array(50).keys()]);
  await expect.poll(async () => (await idbEvents(page)).length).toBe(0);
});

test('without IndexedDB the queue lives in memory and still delivers', async ({ page, site, collector }) => {
  await page.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined }));
  await page.goto(site.url(NO_AUTO_PAGE));
  await page.evaluate(async () => {
    for (let i = 0; i < 3; i++) window.exhaust.track('Memory Event', { i });
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.tracks('Memory Event')).length).toBe(3);
});

test('when IndexedDB fails, the SDK falls back to memory and still delivers', async ({ page, site, collector }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('quota exceeded', 'QuotaExceededError');
    };
  });
  await page.goto(site.url(NO_AUTO_PAGE));
  await page.evaluate(async () => {
    for (let i = 0; i < 3; i++) window.exhaust.track('Fallback Event', { i });
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.tracks('Fallback Event')).length).toBe(3);
});
