/**
 * The demo shop of `examples/web` (what `pnpm start` serves next to the
 * collector): a newcomer accepts the banner, shops, logs in, buys, and finds
 * one profile at the collector holding the whole visit, the order included.
 */
import { startWebExample } from '../../../examples/web/src/serve.mjs';
import { ANY_ORIGIN_WRITE_KEY, expect, test } from './fixtures.js';

test('the demo shop: consent banner, cart, login, purchase, one profile at the collector', async ({
  page,
  collector,
}) => {
  const site = await startWebExample({ port: 0, collectorUrl: collector.publicUrl, writeKey: ANY_ORIGIN_WRITE_KEY });
  try {
    await page.goto(site.url);
    await expect(page.locator('#banner')).toBeVisible();
    await page.locator('[data-sku="kettle"]').click();
    expect(collector.batches).toHaveLength(0);

    await page.locator('#accept').click();
    await expect(page.locator('#banner')).toBeHidden();
    await page.locator('[data-sku="mug"]').click();
    await page.locator('[data-sku="mug"]').click();
    await page.getByRole('link', { name: /Cart/ }).click();
    // The cart view shows the cart, not the product grid (`.products { display: grid }` once beat `hidden`).
    await expect(page.getByRole('heading', { name: 'Your cart' })).toBeVisible();
    await expect(page.locator('#products')).toBeHidden();
    await expect(page.locator('#cart-lines li')).toHaveText(['Kettle × 1: €39', 'Mug × 2: €18']);

    await page.locator('input[name=email]').fill('someone@example.org');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.locator('#login-error')).toContainText('Unknown account');
    await page.locator('input[name=email]').fill('ada@example.org');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.locator('#who')).toHaveText('logged in as ada@example.org');
    // The same userId convention as the React shop and the README: u-ada, never the email.
    await expect(page.locator('#lookup')).toContainText('/v1/profiles/userId%3Au-ada');

    await page.getByRole('button', { name: 'Check out' }).click();
    await expect(page.locator('#thanks')).toContainText(/Order o-\w+ is placed/);
    await expect(page.locator('#count')).toHaveText('0');

    const names = async () =>
      (await collector.profileEvents('userId:u-ada'))
        .map((event) => (event.message.type === 'track' ? (event.message.event as string) : event.message.type))
        .sort();
    await expect
      .poll(names, { timeout: 30_000 })
      .toEqual(
        [
          'Consent Preference Updated',
          'Product Added',
          'Product Added',
          'Product Added',
          'identify',
          'page',
          'page',
          'Order Completed',
        ].sort(),
      );
    const [order] = await collector.tracks('Order Completed');
    const orderId = (await page.locator('#thanks').textContent())?.match(/Order (o-\w+)/)?.[1];
    // Segment's e-commerce spec shape.
    expect(order?.message).toMatchObject({
      userId: 'u-ada',
      messageId: `order-completed-${orderId}`,
      properties: {
        order_id: orderId,
        total: 57,
        revenue: 57,
        currency: 'EUR',
        products: [
          { product_id: 'p-kettle', sku: 'kettle', name: 'Kettle', price: 39, quantity: 1 },
          { product_id: 'p-mug', sku: 'mug', name: 'Mug', price: 9, quantity: 2 },
        ],
      },
    });
    const profile = (await collector.profile('email:ada@example.org')).body!;
    expect(profile.identifiers.map((id) => `${id.type}:${id.value}`)).toContain('userId:u-ada');
    expect(profile.traits).toMatchObject({ email: 'ada@example.org', name: 'Ada Lovelace' });
  } finally {
    await site.close();
  }
});
