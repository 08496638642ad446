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
 * Every stored event of a profile, oldest capture first. NOTE: two events captured in the same millisecond
 * (identify, then 'Signed In') have no defined order: timestamps are milliseconds and the SDK's batch
 * breaks such ties arbitrarily. So {@link sameEvents} compares a timeline as a sorted list.
 */
async function timeline(ref: string): Promise<StoredEvent[]> {
  const page = await admin<{ data: StoredEvent[] }>(`/v1/profiles/${encodeURIComponent(ref)}/events?limit=1000`);
  return page.data.sort((a, b) => a.message.timestamp.localeCompare(b.message.timestamp));
}

/** The labels of a profile's events, sorted: what arrived, each exactly once, whatever the tie order. */
async function sameEvents(ref: string): Promise<string[]> {
  return (await timeline(ref).catch(() => [])).map(label).sort();
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
  await expect.poll(() => sameEvents('userId:u-ada'), { timeout: 60_000 }).toEqual([...expected].sort());

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
  const identify = browser.find((event) => event.message.type === 'identify');
  const beforeLogin = browser.filter((event) => event.message.userId === undefined);
  expect(beforeLogin.map(label)).toEqual(expected.slice(0, 8));
  for (const { message } of beforeLogin) {
    expect(message.anonymousId).toBe(anonymousId);
    expect(message.timestamp <= identify!.message.timestamp).toBe(true);
  }
  // Events captured before the decision carry the preferences in force when they were released.
  const byLabel = (wanted: string) => browser.find((event) => label(event) === wanted)?.message;
  expect(byLabel('page /')?.context?.consent?.categoryPreferences).toMatchObject({
    analytics: true,
    marketing: false,
  });
  // The page views' titles are the new routes' own.
  expect(byLabel('page /products/p-kettle')?.properties?.title).toBe('Copper Kettle · Exhaust Shop');
});

test('signing out starts a clean visitor: what follows is not credited to the account', async ({ page }) => {
  const anonymousIdNow = async () =>
    (await page.context().cookies()).find((cookie) => cookie.name === ANONYMOUS_ID_COOKIE)?.value;

  await page.goto(`${shop.url}/login`);
  await page.getByRole('button', { name: 'Accept all' }).click();
  await page.getByLabel('Email').fill('grace@example.org');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Hand Grinder' }).click();
  await expect(page.getByRole('heading', { name: 'Hand Grinder' })).toBeVisible();
  const graceDevice = await anonymousIdNow();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  const nextVisitor = await anonymousIdNow();
  expect(nextVisitor).toMatch(/^[0-9a-f-]{36}$/);
  expect(nextVisitor).not.toBe(graceDevice);
  await page.getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: 'House Beans 1 kg' }).click();
  await expect(page.getByRole('heading', { name: 'House Beans 1 kg' })).toBeVisible();

  await expect
    .poll(() => sameEvents(`anonymousId:${nextVisitor}`), { timeout: 60_000 })
    .toEqual(['page /', 'page /products/p-beans', 'track Product Viewed'].sort());
  await expect
    .poll(() => sameEvents('userId:u-grace'), { timeout: 60_000 })
    .toEqual(
      [
        'page /login',
        `track ${CONSENT_EVENT}`,
        'identify',
        'track Signed In',
        'page /',
        'page /products/p-grinder',
        'track Product Viewed',
        'track Signed Out',
      ].sort(),
    );
  const grace = await admin<{ id: string }>('/v1/profiles/userId:u-grace');
  const next = await admin<{ id: string; identifiers: { type: string }[] }>(`/v1/profiles/anonymousId:${nextVisitor}`);
  expect(next.id).not.toBe(grace.id);
  expect(next.identifiers.map((identifier) => identifier.type)).toEqual(['anonymousId']);
});
