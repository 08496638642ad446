/**
 * One visitor's whole journey through the built shop in real Chromium, against
 * a real collector (SQLite in a temp dir) and the real checkout service of
 * examples/node-server: anonymous browsing before any consent, consent,
 * sign-in, a purchase tracked server-side. The collector must end up with ONE
 * profile holding all of it, pre-consent and pre-login events included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANONYMOUS_ID_COOKIE, CONSENT_EVENT } from '@exhaust/browser';
import { type RunningCollector, startCollector } from '@exhaust/collector';
import { expect, type Page, test } from '@playwright/test';
import { type CheckoutService, startCheckoutService } from '../scripts/checkout-service.mjs';
import type { ShopConfig } from '../src/config.js';
import { serveShop } from './serve-shop.js';

const WRITE_KEY = 'wk_shop_e2e_0123456789';
const ADMIN_KEY = 'ak_shop_e2e_0123456789';

interface StoredEvent {
  messageId: string;
  profileId: string | null;
  message: {
    type: string;
    event?: string;
    name?: string;
    userId?: string;
    anonymousId?: string;
    timestamp: string;
    properties?: Record<string, unknown>;
    context?: { library?: { name: string }; consent?: { categoryPreferences?: Record<string, boolean> } };
  };
}

let dir: string;
let collector: RunningCollector;
let shop: { url: string; close(): Promise<void> };
let checkout: CheckoutService;
const config: ShopConfig = { writeKey: WRITE_KEY, host: '', checkoutUrl: null };

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exhaust-shop-e2e-'));
  collector = await startCollector({
    port: 0,
    db: join(dir, 'exhaust.db'),
    writeKeys: [WRITE_KEY],
    adminKey: ADMIN_KEY,
    storeMode: 'inline',
  });
  config.host = collector.url;
  shop = await serveShop({ config });
  checkout = await startCheckoutService({ writeKey: WRITE_KEY, host: collector.url, allowedOrigins: [shop.url] });
  config.checkoutUrl = checkout.url;
});

test.afterAll(async () => {
  await checkout?.close();
  await shop?.close();
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function admin<T>(path: string): Promise<T> {
  const response = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Every stored event of a profile in capture order. The API lists newest arrival first; events captured
 * in the same millisecond keep their arrival order (a browser batch is sent in capture order).
 */
async function timeline(ref: string): Promise<StoredEvent[]> {
  const page = await admin<{ data: StoredEvent[] }>(`/v1/profiles/${encodeURIComponent(ref)}/events?limit=1000`);
  return page.data.reverse().sort((a, b) => a.message.timestamp.localeCompare(b.message.timestamp));
}

const label = ({ message }: StoredEvent) =>
  message.type === 'page'
    ? `page ${message.properties?.path}`
    : message.type === 'track'
      ? `track ${message.event}`
      : message.type;

/** What the shop keeps on the device for analytics: cookie, localStorage keys, IndexedDB databases. */
async function analyticsStorage(page: Page) {
  return page.evaluate(async () => ({
    cookies: document.cookie,
    localStorage: Object.keys(localStorage).filter((key) => key.startsWith('exhaust')),
    databases: (await indexedDB.databases()).map((db) => db.name),
  }));
}

test('anonymous browsing, consent, sign-in and a purchase end up in one profile', async ({ page }) => {
  const collectorRequests: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(collector.url)) collectorRequests.push(request.url());
  });

  // 1. Anonymous, undecided: the banner shows, the visitor browses, nothing is stored or sent.
  await page.goto(shop.url);
  const banner = page.getByRole('dialog', { name: 'Cookie consent' });
  await expect(banner).toBeVisible();
  await page.getByRole('link', { name: 'Copper Kettle' }).click();
  await expect(page.getByRole('heading', { name: 'Copper Kettle' })).toBeVisible();
  await expect(page).toHaveTitle('Copper Kettle · Exhaust Shop');
  expect(await analyticsStorage(page)).toEqual({ cookies: '', localStorage: [], databases: [] });
  expect(collectorRequests).toEqual([]);

  // 2. Consent to analytics: the banner goes, what waited in memory is released.
  await page.getByRole('button', { name: 'Analytics only' }).click();
  await expect(banner).toBeHidden();
  await expect(page.getByRole('checkbox', { name: 'analytics' })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'marketing' })).not.toBeChecked();
  const cookies = await page.context().cookies();
  const anonymousId = cookies.find((cookie) => cookie.name === ANONYMOUS_ID_COOKIE)?.value;
  expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);

  // 3. Still anonymous: add to cart, go to checkout, which asks for a sign-in.
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('link', { name: 'Cart (1)' }).click();
  await page.getByRole('link', { name: 'Checkout' }).click();
  await page.getByRole('link', { name: 'Sign in to check out' }).click();

  // 4. Sign in: identify links this device's anonymous history to u-ada.
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Signed in as ada@example.org')).toBeVisible();

  // 5. Buy: the checkout service tracks Order Completed server-side with the same userId.
  await page.getByRole('button', { name: 'Place order' }).click();
  const status = page.getByRole('status');
  await expect(status).toContainText('Thank you! Order ord-');
  const orderId = (await status.textContent())?.match(/ord-[0-9a-z]+/)?.[0];
  await checkout.flush();

  // The collector: one profile, holding the browser's events (pre-consent, pre-login) and the server's order.
  const expected = [
    'page /',
    'page /products/p-kettle',
    'track Product Viewed',
    `track ${CONSENT_EVENT}`,
    'track Product Added',
    'page /cart',
    'page /checkout',
    'page /login',
    'identify',
    'track Signed In',
    'page /checkout',
    'track Checkout Started',
    'track Order Completed',
    'page /orders/' + orderId,
  ];
  await expect
    .poll(async () => (await timeline('userId:u-ada').catch(() => [])).map(label), { timeout: 60_000 })
    .toEqual(expected);

  const events = await timeline('userId:u-ada');
  const profiles = await admin<{ data: { id: string }[] }>('/v1/profiles?limit=50');
  expect(profiles.data).toHaveLength(1);
  const profile = await admin<{ id: string; identifiers: { type: string; value: string }[]; eventCount: number }>(
    '/v1/profiles/userId:u-ada',
  );
  expect(profile.id).toBe(profiles.data[0]?.id);
  expect(profile.eventCount).toBe(expected.length);
  expect(profile.identifiers.map(({ type, value }) => `${type}:${value}`).sort()).toEqual(
    [`anonymousId:${anonymousId}`, 'email:ada@example.org', 'userId:u-ada'].sort(),
  );
  expect(new Set(events.map((event) => event.messageId)).size).toBe(events.length);

  const browser = events.filter((event) => event.message.context?.library?.name === '@exhaust/browser');
  const server = events.filter((event) => event.message.context?.library?.name === '@exhaust/node');
  expect(browser).toHaveLength(expected.length - 1);
  expect(server.map(label)).toEqual(['track Order Completed']);
  expect(server[0]?.message).toMatchObject({ userId: 'u-ada', properties: { orderId, total: 49 } });
  // Before sign-in the browser's events carried only the anonymousId; the profile still holds them.
  const beforeLogin = browser.slice(
    0,
    browser.findIndex((event) => event.message.type === 'identify'),
  );
  expect(beforeLogin).toHaveLength(8);
  for (const { message } of beforeLogin) {
    expect(message.userId).toBeUndefined();
    expect(message.anonymousId).toBe(anonymousId);
  }
  // Events captured before the decision carry the preferences in force when they were released.
  expect(browser[0]?.message.context?.consent?.categoryPreferences).toMatchObject({
    analytics: true,
    marketing: false,
  });
  // The page views' titles are the new routes' own.
  expect(browser[1]?.message.properties?.title).toBe('Copper Kettle · Exhaust Shop');
});
