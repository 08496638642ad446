/**
 * The demo shop of `examples/web` (what `pnpm start` serves next to the
 * collector): a newcomer accepts the banner, shops, logs in, and finds one
 * profile at the collector holding the whole visit.
 */
import { startWebExample } from '../../../examples/web/src/serve.mjs';
import { ANY_ORIGIN_WRITE_KEY, expect, test } from './fixtures.js';

test('the demo shop: consent banner, cart, login, one profile at the collector', async ({ page, collector }) => {
  const site = await startWebExample({ port: 0, collectorUrl: collector.publicUrl, writeKey: ANY_ORIGIN_WRITE_KEY });
  try {
    await page.goto(site.url);
    await expect(page.locator('#banner')).toBeVisible();
    await page.locator('[data-sku="kettle"]').click();
    expect(collector.batches).toHaveLength(0);

    await page.locator('#accept').click();
    await expect(page.locator('#banner')).toBeHidden();
    await page.locator('[data-sku="mug"]').click();
    await page.getByRole('link', { name: /Cart/ }).click();
    await page.locator('input[name=email]').fill('ada@example.org');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.locator('#who')).toHaveText('logged in as ada@example.org');
    await expect(page.locator('#lookup')).toContainText('/v1/profiles/userId%3Aada%40example.org');

    const names = async () =>
      (await collector.profileEvents('userId:ada@example.org'))
        .map((event) => (event.message.type === 'track' ? (event.message.event as string) : event.message.type))
        .sort();
    await expect
      .poll(names, { timeout: 30_000 })
      .toEqual(['Consent Preference Updated', 'Product Added', 'Product Added', 'identify', 'page', 'page'].sort());
    const profile = (await collector.profile('email:ada@example.org')).body!;
    expect(profile.traits).toMatchObject({ email: 'ada@example.org' });
  } finally {
    await site.close();
  }
});
