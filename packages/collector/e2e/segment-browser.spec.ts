/**
 * Segment's analytics-next in real Chromium sends to the collector from
 * another origin (CORS preflight included), and every call is stored.
 * Uses the built collector (`pnpm build` first; `pnpm test` does).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { build } from 'esbuild';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const WRITE_KEY = 'browser-e2e-write-key-0001';
const ADMIN_KEY = 'browser-e2e-admin-key-0001';

interface Collector {
  url: string;
  close(): Promise<void>;
}

let pageServer: Server;
let pageOrigin: string;
let collector: Collector;
let dir: string;

test.beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`pnpm build\` first`);
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./segment-page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  let collectorTarget = '';
  pageServer = createServer((req, res) => {
    if (req.url === '/segment.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!doctype html><title>shop</title><script>window.collector = ${collectorTarget};</script><script src="/segment.js"></script>`,
        );
    }
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

  dir = mkdtempSync(join(tmpdir(), 'exhaust-browser-'));
  const { startCollector } = (await import(DIST)) as {
    startCollector(options: object): Promise<Collector>;
  };
  collector = await startCollector({
    port: 0,
    db: join(dir, 'exhaust.db'),
    logLevel: 'silent',
    config: {
      sources: [{ name: 'shop-web', writeKey: WRITE_KEY, allowedOrigins: [pageOrigin] }],
      adminKeys: [ADMIN_KEY],
    },
  });
  collectorTarget = JSON.stringify({ writeKey: WRITE_KEY, apiHost: `${new URL(collector.url).host}/v1` });
});

test.afterAll(async () => {
  await collector?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface StoredEventLike {
  type: string;
  source: string;
  message: Record<string, unknown> & { context?: Record<string, unknown> };
}

async function eventsOf(userId: string): Promise<StoredEventLike[]> {
  const res = await fetch(`${collector.url}/v1/events?limit=100`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  const page = (await res.json()) as { data: StoredEventLike[] };
  return page.data.filter((e) => e.message.userId === userId || e.message.previousId === userId);
}

test('@segment/analytics-next delivers page, track, identify, group and alias from a browser', async ({ page }) => {
  const userId = `browser-user-${Date.now()}`;
  await page.goto(`${pageOrigin}/`);
  await page.evaluate(async (id) => {
    const { analytics } = window as unknown as {
      analytics: {
        page(name: string): Promise<unknown>;
        track(event: string, properties: object): Promise<unknown>;
        identify(id: string, traits: object): Promise<unknown>;
        group(id: string, traits: object): Promise<unknown>;
        alias(to: string, from: string): Promise<unknown>;
      };
    };
    await analytics.identify(id, { email: 'browser.user@example.com' });
    await analytics.page('Pricing');
    await analytics.track('Plan Selected', { plan: 'pro' });
    await analytics.group('acme', { seats: 3 });
    await analytics.alias(id, 'browser-anon-previous');
  }, userId);

  await expect
    .poll(async () => (await eventsOf(userId)).map((e) => e.type).sort(), { timeout: 20_000 })
    .toEqual(['alias', 'group', 'identify', 'page', 'track']);
  const events = await eventsOf(userId);
  const track = events.find((e) => e.type === 'track');
  expect(track?.source).toBe('shop-web');
  expect(track?.message).toMatchObject({ event: 'Plan Selected', properties: { plan: 'pro' } });
  expect(String(track?.message.messageId)).toMatch(/^ajs-next-/);
  expect(track?.message.context).toMatchObject({ library: { name: 'analytics.js' }, page: { url: `${pageOrigin}/` } });
  expect(String(track?.message.context?.userAgent)).toContain('Chrome');
  // NOTE: analytics-next sends Basic auth, which makes each request non-simple: Chromium only
  // sent them (cross-origin) because the collector's preflight allowed this page's origin.
});

test('a page from an origin the source does not allow cannot send', async ({ page }) => {
  // Same page server, other host name: another origin, not in the source's allowedOrigins.
  const otherOrigin = pageOrigin.replace('127.0.0.1', 'localhost');
  await page.goto(`${otherOrigin}/`);
  const outcome = await page.evaluate(
    async ({ url, key }) => {
      try {
        const res = await fetch(`${url}/v1/t`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', authorization: `Basic ${btoa(`${key}:`)}` },
          body: JSON.stringify({ type: 'track', event: 'Blocked', anonymousId: 'a-blocked', messageId: 'blocked-1' }),
        });
        return `status ${res.status}`;
      } catch (error) {
        return `refused: ${(error as Error).name}`;
      }
    },
    { url: collector.url, key: WRITE_KEY },
  );
  expect(outcome).toBe('refused: TypeError');
  const stored = await fetch(`${collector.url}/v1/events/blocked-1`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(stored.status).toBe(404);
});
