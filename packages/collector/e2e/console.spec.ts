/**
 * The operator console in real Chromium against the real (built) collector
 * with seeded data: sign-in, live events, search, the identity graph and an
 * unmerge, why-not-merged, what happened to an event, erasure, an audience
 * written with a mistake, fixed, previewed and saved, a webhook delivery
 * retried against a real loopback receiver, a subscription lookup, import and
 * export; an axe scan on every page; screenshots of the overview, a profile
 * and an audience into docs/.
 * Uses the built collector and console (`pnpm build` first; `pnpm test` does).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { startReceiver, type TestReceiver } from '../src/test/webhook-receiver.js';

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
let receiver: TestReceiver;

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

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

/** Buyers with purchase histories (Ada among them), then a churn fit, so the profile shows churn risk. */
async function seedPurchases() {
  const histories: [string, number[]][] = [
    ['u-ada', [120, 90, 60, 30]],
    ['u-b1', [100, 95]],
    ['u-b2', [80, 50, 20, 5]],
    ['u-b3', [150]],
    ['u-b4', [70, 65, 60, 10]],
    ['u-b5', [40, 39]],
  ];
  await send('/v1/batch', {
    batch: histories.flatMap(([userId, days]) =>
      days.map((d) => ({
        type: 'track',
        messageId: `${userId}-order-${d}`,
        userId,
        event: 'Order Completed',
        properties: { total: 30 + d / 10 },
        timestamp: daysAgo(d),
      })),
    ),
  });
  const fit = await admin('/v1/models/churn/fit', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(fit.status).toBe(201);
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
  receiver = await startReceiver();
  const { startCollector } = (await import(DIST)) as { startCollector(options: object): Promise<Collector> };
  collector = await startCollector({
    port: 0,
    db: join(dir, 'exhaust.db'),
    logLevel: 'silent',
    config: {
      sources: [{ name: 'shop-web', writeKey: WRITE_KEY, allowedOrigins: ['*'] }],
      adminKeys: [ADMIN_KEY],
      // The receiver is on loopback over http; the automatic retry waits 10 minutes so the page's retry is the one.
      webhooks: { allowHttp: true, allowPrivateNetworks: true, retryScheduleMs: [600_000] },
      // A handful of buyers is enough to fit the churn model the profile page shows.
      churn: { minPurchasers: 5 },
    },
  });
  await seed();
  await seedPurchases();
});

test.afterAll(async () => {
  await collector?.close();
  await receiver?.close();
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
  const churn = page.getByRole('region', { name: 'Churn risk' });
  await expect(churn.getByText('P(alive)', { exact: true })).toBeVisible();
  await expect(churn).toContainText(/bought/);
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

test('an audience written with a mistake is shown at the failing node, then fixed, previewed and saved', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.getByRole('link', { name: 'Audiences' }).click();
  await expect(page.getByRole('heading', { name: 'Audiences and computed traits' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'New audience' }).click();
  const editor = page.getByLabel('Definition (JSON)');
  const definition = (op: string) => ({
    key: 'pro_buyers',
    name: 'Pro buyers',
    condition: {
      all: [
        { trait: 'plan', op, value: 'pro' },
        { event: 'Order Completed', within: '30d' },
      ],
    },
  });
  await editor.fill(JSON.stringify(definition('equals'), null, 2));
  await page.getByRole('button', { name: 'Preview' }).click();
  // The issue is shown at the node its path names, and only there.
  const bad = page.locator('#node-condition-all-0');
  await expect(bad.locator('.issues')).toContainText('unknown_op');
  await expect(bad).toHaveClass(/invalid/);
  await expect(page.locator('#node-condition-all-1 .issues')).toHaveCount(0);
  await expect(page.getByRole('alert')).toContainText('One problem');
  await expect(editor).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  // The summary's path moves focus to the node.
  await page.getByRole('button', { name: 'condition.all.0.op' }).click();
  await expect(bad).toBeFocused();

  await editor.fill(JSON.stringify(definition('eq'), null, 2));
  await page.getByRole('button', { name: 'Preview' }).click();
  const ada = (await admin('/v1/profiles/userId:u-ada')).body.id as string;
  await expect(page.getByText('Estimated size: 1')).toBeVisible();
  await expect(page.getByText(/^Exact: every one of the \d+ profiles was evaluated; 1 matched/)).toBeVisible();
  await expect(page.getByRole('link', { name: ada })).toBeVisible();
  expect((await admin('/v1/audiences/pro_buyers')).status).toBe(404);
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Pro buyers', level: 1 })).toBeVisible();
  await expect(page.getByText(/^Saved pro_buyers/)).toBeVisible();
  // The backfill finds Ada in the background: the page shows her once it has.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('region', { name: 'Members' }).getByRole('link', { name: ada })).toBeVisible({
      timeout: 500,
    });
  }).toPass({ timeout: 10_000 });
  // A new order enters someone else: the recent changes list it.
  await send('/v1/identify', { userId: 'u-lin', traits: { plan: 'pro' }, messageId: 'lin-signup' });
  await send('/v1/track', { userId: 'u-lin', event: 'Order Completed', messageId: 'lin-order' });
  await page.reload();
  const lin = (await admin('/v1/profiles/userId:u-lin')).body.id as string;
  await expect(page.getByRole('region', { name: 'Recent changes' }).getByRole('link', { name: lin })).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: join(DOCS, 'console-audience.png'), fullPage: true });

  // The profile page shows the membership and the computed values beside the rest.
  await page.goto(`${collector.url}/console/#/profiles/${encodeURIComponent('userId:u-lin')}`);
  await expect(page.getByRole('region', { name: 'Audiences' }).getByRole('link', { name: 'pro_buyers' })).toBeVisible();
  // u-lin bought once, today: no repeat purchase, so the fitted model has no pace for them yet.
  await expect(page.getByRole('region', { name: 'Churn risk' })).toBeVisible();
});

test('a webhook delivery that failed is retried from the page and delivered', async ({ page }) => {
  const created = await admin('/v1/webhooks', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${receiver.url}/hooks`, events: ['profile.erased'], description: 'back office' }),
  });
  expect(created.status).toBe(201);
  receiver.script({ status: 500, body: 'database is down' });
  await signIn(page);
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await expect(page.getByRole('cell', { name: /back office/ })).toContainText('back office');
  await expectAccessible(page);
  await page.getByRole('link', { name: 'back office' }).click();
  await page.getByRole('button', { name: 'Send a test' }).click();
  await expect(page.getByText(/^Test msg_\S+ queued/)).toBeVisible();
  await receiver.waitFor(1);
  // The one attempt failed: the page shows the endpoint failing and the attempt with its answer.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText('failing', { exact: true }).first()).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  const delivery = page.locator('.events li').first();
  await delivery.locator('summary').click();
  await expect(delivery.getByRole('cell', { name: '500' })).toBeVisible();
  await expect(delivery).toContainText('database is down');
  await expectAccessible(page);

  const [item] = (await admin(`/v1/webhooks/${created.body.id}/deliveries`)).body.data;
  await page.getByRole('button', { name: `Retry ${item.id}` }).click();
  await expect(page.getByText(`Delivery ${item.id} is sent again now.`)).toBeVisible();
  await receiver.waitFor(2);
  await expect(async () => {
    await page.reload();
    await expect(page.locator('.events li').first()).toContainText('delivered', { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(page.locator('.events li').first()).toContainText('2 attempts');
  await expect(page.getByText('healthy')).toBeVisible();
  expect(receiver.received[1]?.headers['webhook-id']).toBe(item.id);

  await page.getByRole('button', { name: 'Rotate secret…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
  await expect(page.getByText(/^whsec_/)).toBeVisible();
  await expectAccessible(page);
});

test('subscriptions: an address looked up, a CSV imported, an export offered for download', async ({ page }) => {
  const put = await admin('/v1/subscriptions/email/ada@example.com', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'subscribed', topics: { newsletter: 'subscribed' }, source: 'api' }),
  });
  expect(put.status).toBe(200);
  await signIn(page);
  await page.getByRole('link', { name: 'Subscriptions' }).click();
  await page.getByLabel('Address', { exact: true }).fill('Ada@Example.com');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByText('email:ada@example.com')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'newsletter' })).toBeVisible();
  await expect(page.getByText('none → subscribed').first()).toBeVisible();
  await page.getByLabel('CSV file').setInputFiles({
    name: 'optouts.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(
      'channel,address,status\nemail,alan@example.org,unsubscribed\nemail,not-an-email,unsubscribed\n',
    ),
  });
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText('1 rows applied, 1 skipped.')).toBeVisible();
  await expect(page.getByText(/^line 3: invalid/)).toBeVisible();
  await page.getByLabel('Status', { exact: true }).selectOption('unsubscribed');
  await page.getByRole('button', { name: 'Prepare export' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download subscriptions.csv' }).click();
  const file = await (await download).path();
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(file, 'utf8')).toContain('email,alan@example.org,,unsubscribed');
  await expectAccessible(page);
});
