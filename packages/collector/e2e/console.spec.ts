/**
 * The operator console in real Chromium against the real (built) collector
 * with seeded data: sign-in, live events, search, the identity graph and an
 * unmerge, why-not-merged, what happened to an event, erasure; an axe scan on
 * every page; screenshots of the overview and a profile into docs/.
 * Uses the built collector and console (`pnpm build` first; `pnpm test` does).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const WRITE_KEY = 'console-e2e-write-key-0001';
const ADMIN_KEY = 'console-e2e-admin-key-0001';

interface Collector {
  url: string;
  close(): Promise<void>;
}

let collector: Collector;
let dir: string;

async function send(path: string, body: unknown) {
  const res = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}
async function admin(path: string, init: RequestInit = {}) {
  const res = await fetch(`${collector.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...init.headers },
  });
  return { status: res.status, body: await res.json() };
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

/** Ada browses, signs up and merges two devices; a shared browser is contested; a duplicate; a rejection. */
async function seed() {
  await send('/v1/batch', {
    batch: [
      { type: 'page', messageId: 'ada-page-1', anonymousId: 'ada-laptop', name: 'Home', timestamp: minutesAgo(30) },
      { type: 'page', messageId: 'ada-page-2', anonymousId: 'ada-phone', name: 'Pricing', timestamp: minutesAgo(20) },
      {
        type: 'identify',
        messageId: 'ada-signup',
        anonymousId: 'ada-laptop',
        userId: 'u-ada',
        traits: { email: 'ada@example.com', name: 'Ada Lovelace', plan: 'pro' },
        context: { consent: { categoryPreferences: { analytics: true, ads: false } } },
        timestamp: minutesAgo(15),
      },
      {
        type: 'identify',
        messageId: 'ada-phone-login',
        anonymousId: 'ada-phone',
        userId: 'u-ada',
        timestamp: minutesAgo(10),
      },
      { type: 'track', messageId: 'ada-order', userId: 'u-ada', event: 'Order Completed', properties: { total: 42 } },
      // A shared browser: u-grace logs in where u-ada's cousin did; the anonymousId becomes contested.
      { type: 'identify', messageId: 'kiosk-1', anonymousId: 'kiosk', userId: 'u-cousin', timestamp: minutesAgo(9) },
      { type: 'identify', messageId: 'kiosk-2', anonymousId: 'kiosk', userId: 'u-grace', timestamp: minutesAgo(8) },
      { type: 'track', messageId: 'no-event-name', anonymousId: 'x' },
    ],
  });
  await send('/v1/track', { messageId: 'ada-order', userId: 'u-ada', event: 'Order Completed' });
}

async function signIn(page: Page) {
  await page.goto(`${collector.url}/console/`);
  await page.getByLabel('Admin key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
}

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test.beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`pnpm build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'exhaust-console-e2e-'));
  const { startCollector } = (await import(DIST)) as { startCollector(options: object): Promise<Collector> };
  collector = await startCollector({
    port: 0,
    db: join(dir, 'exhaust.db'),
    logLevel: 'silent',
    config: { sources: [{ name: 'shop-web', writeKey: WRITE_KEY, allowedOrigins: ['*'] }], adminKeys: [ADMIN_KEY] },
  });
  await seed();
});

test.afterAll(async () => {
  await collector?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('sign-in refuses a wrong key with a clear message, then takes the admin key; the overview is accessible', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${collector.url}/console/`);
  await expectAccessible(page);
  await page.getByLabel('Admin key').fill('not-the-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('not an admin key');
  await page.getByLabel('Admin key').fill(WRITE_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('write key');
  await page.getByLabel('Admin key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  await expect(page.locator('.card').nth(1)).toContainText(/\d+ profiles/);
  await expect(page.getByRole('cell', { name: 'duplicate_message_id' })).toBeVisible();
  await expect(page.getByRole('cell', { name: /invalid_field/ })).toBeVisible();
  await expect(page.locator('.uplot')).toHaveCount(2);
  await expectAccessible(page);
  await page.screenshot({ path: join(DOCS, 'console-overview.png'), fullPage: true });
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText('sqlite')).toBeVisible();
  expect(await page.content()).not.toContain(WRITE_KEY);
  await expectAccessible(page);
});

test('live events appear within 1 s of a POST, and the filter keeps other events out', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Live events' }).click();
  await expect(page.getByRole('status')).toContainText('Stream: live');
  await page.getByLabel('Event name').fill('Checkout Started');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByRole('status')).toContainText('Stream: live');
  await send('/v1/track', { anonymousId: 'live-1', event: 'Something Else' });
  await send('/v1/track', { anonymousId: 'live-1', event: 'Checkout Started', messageId: 'live-checkout' });
  await expect(page.getByText('Checkout Started', { exact: true })).toBeVisible({ timeout: 1_000 });
  await expect(page.getByText('Something Else')).toHaveCount(0);
  await page.getByText('Checkout Started', { exact: true }).click();
  await expect(page.getByRole('link', { name: 'live-checkout' })).toBeVisible();
  await expectAccessible(page);
});

test('search by email, the identity graph of a merged profile, then an unmerge through the dialog', async ({
  page,
}) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Profiles' }).click();
  await page.getByLabel('Search', { exact: true }).fill('ada@example.com');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'userId:u-ada' }).click();
  await expect(page.getByRole('heading', { name: 'userId:u-ada' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'ada@example.com', exact: true })).toBeVisible();
  await expect(page.getByText('analytics: granted')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Identity graph' })).toBeVisible();
  const merge = (await admin('/v1/profiles/userId:u-ada/merges')).body.data[0];
  await expect(page.getByRole('row', { name: /merged/ }).getByRole('link', { name: merge.messageId })).toBeVisible();
  await expect(page.getByText('Not available in this collector yet.').first()).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: join(DOCS, 'console-profile.png'), fullPage: true });

  await page.getByRole('button', { name: `Unmerge ${merge.merged}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`Fragment ${merge.merged} will be detached`);
  await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Unmerge' }).click();
  await expect(page.getByText(`Fragment ${merge.merged} is its own profile again.`)).toBeVisible();
  const laptop = await admin('/v1/profiles/anonymousId:ada-laptop');
  const phone = await admin('/v1/profiles/anonymousId:ada-phone');
  expect(laptop.status).toBe(200);
  expect(phone.status).toBe(200);
  expect(laptop.body.id).not.toBe(phone.body.id);
});

test('why not merged: a contested identifier; what happened: a duplicate, a rejected and a suppressed event', async ({
  page,
}) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Profiles' }).click();
  await page.getByLabel('First identifier').fill('userId:u-grace');
  await page.getByLabel('Second identifier').fill('anonymousId:kiosk');
  await page.getByRole('button', { name: 'Explain' }).click();
  await expect(page.getByText(/^Not merged:/)).toBeVisible();
  await expect(page.getByText('anonymousId:kiosk', { exact: true }).last()).toBeVisible();
  await expect(page.getByText(/is contested/)).toBeVisible();
  await expect(page.getByText(/identifier_contested anonymousId:kiosk on message kiosk-2/)).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('messageId').fill('ada-order');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByText(/^Stored from source/)).toBeVisible();
  await expect(page.getByText('duplicate_message_id')).toBeVisible();

  await page.getByLabel('messageId').fill('no-event-name');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByText('Not stored: it was rejected by validation.')).toBeVisible();
  await expect(page.getByText(/invalid_field/)).toBeVisible();

  // Erase someone with suppression, then an event carrying their identifier is suppressed.
  await admin('/v1/profiles/userId:u-cousin?suppress=true', { method: 'DELETE' });
  await send('/v1/identify', { userId: 'u-cousin', anonymousId: 'new-device', messageId: 'after-erasure' });
  await page.getByLabel('messageId').fill('after-erasure');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByText(/^Not stored: it was suppressed/)).toBeVisible();
  await expect(page.getByText('suppressed', { exact: true })).toBeVisible();
  expect(await page.content()).not.toContain('u-cousin');
  await expectAccessible(page);
});

test('erasure through the dialog, at phone width', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.goto(`${collector.url}/console/#/profiles/${encodeURIComponent('userId:u-grace')}`);
  await expect(page.getByRole('heading', { name: 'userId:u-grace' })).toBeVisible();
  await page.getByRole('button', { name: 'Erase this person…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('This cannot be undone');
  await dialog.getByRole('button', { name: 'Erase for good' }).click();
  await expect(page.getByText(/^Erased: \d+ events/)).toBeVisible();
  expect((await admin('/v1/profiles/userId:u-grace')).status).toBe(404);
  await expectAccessible(page);
});
