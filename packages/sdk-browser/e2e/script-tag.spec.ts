/**
 * The script tag: the snippet's stub replays calls in order, single-page-app
 * navigation sends pages, data attributes configure the bundle.
 */
import type { Message } from '@exhaust/schema';
import { expect, test } from './fixtures.js';

test('snippet stub: calls made before the bundle loads arrive in order', async ({ page, site, collector }) => {
  await page.goto(
    site.url({
      snippetThen: `
        window.stubbed = Array.isArray(window.exhaust);
        exhaust.track('Step 1');
        exhaust.track('Step 2');
        exhaust.identify('snippet-user', { plan: 'free' });
        exhaust.track('Step 3');`,
    }),
  );
  expect(await page.evaluate(() => (window as unknown as { stubbed: boolean }).stubbed)).toBe(true);
  await page.waitForFunction(() => !Array.isArray(window.exhaust));
  await page.evaluate(() => window.exhaust.flush());
  await expect.poll(async () => (await collector.events()).length).toBe(5);

  // Order as sent (batch order) and as captured (timestamps), and the identify applies from its place on.
  const sent = collector.batches.flatMap(
    (request) => (JSON.parse(request.postData() ?? '{}') as { batch: Message[] }).batch,
  );
  const names = sent.map((message) => (message.type === 'track' ? message.event : message.type));
  expect(names.filter((name) => name !== 'page')).toEqual(['Step 1', 'Step 2', 'identify', 'Step 3']);
  const steps = sent.filter((message) => message.type !== 'page');
  expect(steps.map((message) => message.userId ?? null)).toEqual([null, null, 'snippet-user', 'snippet-user']);
  const times = steps.map((message) => Date.parse(message.timestamp!));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
});

test('single-page-app navigation sends a page per new URL, with the previous URL as referrer', async ({
  page,
  site,
  collector,
}) => {
  await page.goto(site.url({}, '/shop'));
  const start = page.url();
  await page.evaluate(async () => {
    history.pushState({}, '', '/shop/cart');
    history.replaceState({}, '', '/shop/cart?step=2');
    history.pushState({}, '', '/shop/cart?step=2#summary');
    await new Promise((resolve) => {
      addEventListener('popstate', resolve, { once: true });
      history.go(-2);
    });
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.events()).length).toBe(4);
  const pages = (await collector.events()).map(
    (event) => event.message.properties as { url: string; referrer: string },
  );
  expect(pages.map((properties) => new URL(properties.url).pathname + new URL(properties.url).search)).toEqual([
    new URL(start).pathname + new URL(start).search,
    '/shop/cart',
    '/shop/cart?step=2',
    new URL(start).pathname + new URL(start).search,
  ]);
  expect(pages[1]!.referrer).toBe(start);
  expect(pages[2]!.referrer).toBe(pages[1]!.url);
});

test('data-auto-page="false" switches automatic pages off', async ({ page, site, collector }) => {
  await page.goto(site.url({ data: { 'auto-page': 'false' } }));
  await page.evaluate(async () => {
    history.pushState({}, '', '/elsewhere');
    window.exhaust.track('Only Event');
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.events()).length).toBe(1);
  expect((await collector.events())[0]!.type).toBe('track');
});

test('a script tag without data-write-key logs an error and its calls do nothing', async ({ page, site }) => {
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(site.url({ data: { 'write-key': '' } }));
  expect(await page.evaluate(() => window.exhaust.track('Nowhere'))).toBeUndefined();
  expect(errors.join()).toContain('[exhaust]');
});
