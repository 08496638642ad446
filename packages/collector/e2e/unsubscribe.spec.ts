/**
 * The one-click unsubscribe page in real Chromium with JavaScript off: it
 * shows the masked address and one button, opening it changes nothing, and
 * the button alone (a plain form post) unsubscribes.
 * Uses the built collector (`pnpm build` first; `pnpm test` does).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const ADMIN_KEY = 'unsubscribe-e2e-admin-key-0001';
const ADDRESS = 'grace.hopper@example.org';

interface Collector {
  url: string;
  close(): Promise<void>;
}

let collector: Collector;
let dir: string;

const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${collector.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return response.json();
};
const check = () => admin('GET', `/v1/subscriptions/check?channel=email&topic=offers&address=${ADDRESS}`);

test.use({ javaScriptEnabled: false });

test.beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`pnpm build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'exhaust-unsubscribe-'));
  const { startCollector } = (await import(DIST)) as { startCollector(options: object): Promise<Collector> };
  collector = await startCollector({
    port: 0,
    db: join(dir, 'exhaust.db'),
    logLevel: 'silent',
    config: { adminKeys: [ADMIN_KEY] },
  });
});

test.afterAll(async () => {
  await collector?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the unsubscribe page works with JavaScript off, and only its button unsubscribes', async ({ page }) => {
  await admin('PUT', `/v1/subscriptions/email/${ADDRESS}`, { status: 'subscribed', source: 'api' });
  const { url } = (await admin('POST', '/v1/subscriptions/links', {
    channel: 'email',
    address: ADDRESS,
    topic: 'offers',
  })) as { url: string };

  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Unsubscribe' })).toBeVisible();
  await expect(page.getByText('g***@example.org')).toBeVisible();
  await expect(page.getByText('offers')).toBeVisible();
  expect(await page.content()).not.toContain(ADDRESS);
  await expect(page.getByRole('button')).toHaveCount(1);
  // Opening (and reloading) the page, as a link scanner would, changes nothing.
  await page.reload();
  expect(await check()).toMatchObject({ allowed: true, topicStatus: 'none' });

  const posted = page.waitForRequest((request) => request.method() === 'POST');
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  const request = await posted;
  expect(request.postData()).toBe('List-Unsubscribe=One-Click');
  expect(request.headers()['content-type']).toBe('application/x-www-form-urlencoded');
  await expect(page.getByRole('status')).toHaveText('You are unsubscribed');
  expect(await check()).toMatchObject({ allowed: false, reason: 'topic_unsubscribed', source: 'one-click' });
});

test('a tampered link shows a plain error page and changes nothing', async ({ page }) => {
  const { url } = (await admin('POST', '/v1/subscriptions/links', { channel: 'email', address: ADDRESS })) as {
    url: string;
  };
  const tampered = `${url.slice(0, -3)}${url.endsWith('AAA') ? 'BBB' : 'AAA'}`;
  const response = await page.goto(tampered);
  expect(response?.status()).toBe(400);
  await expect(page.getByRole('heading', { name: 'This unsubscribe link is not valid' })).toBeVisible();
  await expect(page.getByRole('button')).toHaveCount(0);
  expect((await check()).status).toBe('subscribed');
});
