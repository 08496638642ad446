/**
 * Delivery against the real collector: retries, poison events, the page-hide
 * (keepalive) path and two tabs sharing one queue.
 */
import { acknowledgedSends, expect, idbEvents, test } from './fixtures.js';

const NO_AUTO_PAGE = { data: { 'auto-page': 'false' } };

test('500 three times, then 200: everything arrives, each once', async ({ page, site, collector }) => {
  let refused = 0;
  await page.route(
    `${collector.publicUrl}/v1/batch`,
    (route) => {
      refused += 1;
      return route.fulfill({
        status: 500,
        headers: { 'access-control-allow-origin': site.origin },
        json: { error: { code: 'internal_error', message: 'scripted failure' } },
      });
    },
    { times: 3 },
  );
  await page.goto(site.url(NO_AUTO_PAGE));
  await page.evaluate(async () => {
    for (let i = 0; i < 10; i++) window.exhaust.track('Retried Event', { i });
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.tracks('Retried Event')).length).toBe(10);
  expect(refused).toBe(3);
  const sends = await acknowledgedSends(collector.batches);
  const stored = await collector.tracks('Retried Event');
  expect(stored.map((event) => sends.get(event.messageId))).toEqual(Array(10).fill(1));
});

test('a 400 for one event drops only that event', async ({ page, site, collector }) => {
  await page.route(`${collector.publicUrl}/v1/batch`, (route) =>
    route.request().postData()?.includes('"poison":true')
      ? route.fulfill({ status: 400, headers: { 'access-control-allow-origin': site.origin }, json: {} })
      : route.continue(),
  );
  await page.goto(site.url(NO_AUTO_PAGE));
  await page.evaluate(async () => {
    for (let i = 0; i < 10; i++) window.exhaust.track('Batch Event', { i, poison: i === 6 });
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.tracks('Batch Event')).length).toBe(9);
  const indexes = (await collector.tracks('Batch Event')).map((event) => (event.message.properties as { i: number }).i);
  expect(indexes.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9]);
  // Dropped, not retried: a later flush sends nothing more.
  const requests = collector.batches.length;
  await page.evaluate(() => window.exhaust.flush());
  expect(collector.batches.length).toBe(requests);
  expect(await idbEvents(page)).toEqual([]);
});

test('an event the collector rejects as invalid is dropped, the rest of its batch stored', async ({
  page,
  site,
  collector,
}) => {
  await page.goto(site.url(NO_AUTO_PAGE));
  await page.evaluate(async () => {
    window.exhaust.track('Valid Event', { n: 1 });
    window.exhaust.track('x'.repeat(300), { n: 2 });
    window.exhaust.track('Valid Event', { n: 3 });
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.tracks('Valid Event')).length).toBe(2);
  expect(
    (await collector.events()).some((event) => (event.message as { event?: string }).event?.startsWith('xxx')),
  ).toBe(false);
  const requests = collector.batches.length;
  await page.evaluate(() => window.exhaust.flush());
  expect(collector.batches.length).toBe(requests);
  expect(await idbEvents(page)).toEqual([]);
});

test('page hide: queued events leave through the keepalive path', async ({ page, site, collector }) => {
  // An hour between flushes and no size trigger: only the page-hide path can send them.
  await page.goto(site.url({ ...NO_AUTO_PAGE, options: { flushIntervalMs: 3_600_000, flushAt: 1000 } }));
  await page.evaluate(async () => {
    // Let the start-up pass (which reads what earlier pages left) finish first: it would send these too.
    await window.exhaust.flush();
    for (let i = 0; i < 5; i++) window.exhaust.track('Hidden Event', { i });
  });
  await expect.poll(async () => (await idbEvents(page)).length).toBe(5);
  expect(collector.batches).toHaveLength(0);
  await page.goto('about:blank');
  await expect.poll(async () => (await collector.tracks('Hidden Event')).length).toBe(5);
});

test('two tabs tracking at once: every event arrives, none sent twice', async ({ page, context, site, collector }) => {
  const other = await context.newPage();
  const url = site.url(NO_AUTO_PAGE);
  await Promise.all([page.goto(url), other.goto(url)]);
  await Promise.all(
    [page, other].map((tab, index) =>
      tab.evaluate(async (tabIndex) => {
        for (let i = 0; i < 100; i++) {
          window.exhaust.track('Tab Event', { tab: tabIndex, i });
          if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await window.exhaust.flush();
      }, index),
    ),
  );
  await expect.poll(async () => (await collector.tracks('Tab Event')).length).toBe(200);
  const stored = await collector.tracks('Tab Event');
  expect(new Set(stored.map((event) => event.messageId)).size).toBe(200);
  const sends = await acknowledgedSends(collector.batches);
  expect(stored.filter((event) => sends.get(event.messageId) !== 1)).toEqual([]);
});
