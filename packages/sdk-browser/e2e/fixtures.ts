/**
 * Fixtures of the browser suite: a real collector (the built `@exhaust/collector`,
 * SQLite in a temp folder) and a loopback site that serves the real
 * `dist/exhaust.min.js`, both on port 0, fresh for every test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createConnection, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '@exhaust/collector';
import type { Page as ApiPage, Message, Profile, StoredEvent } from '@exhaust/schema';
import { test as base, expect, type Page, type Request } from '@playwright/test';
import { snippet } from '../src/snippet.js';

export const BUNDLE = fileURLToPath(new URL('../dist/exhaust.min.js', import.meta.url));
export const WRITE_KEY = 'wk-browser-e2e-0001';
export const ADMIN_KEY = 'ak-browser-e2e-0001';
/** A second source that accepts any origin (for sites other than the fixture's). */
export const ANY_ORIGIN_WRITE_KEY = 'wk-browser-e2e-any-origin';

export interface PageOptions {
  /** `data-*` attributes of the script element, e.g. `{ 'auto-page': 'false' }`. */
  data?: Record<string, string>;
  /** `window.exhaust.options`, set before the bundle loads. */
  options?: Record<string, unknown>;
  /** Load the bundle through the copy-paste snippet, then run this inline code at once. */
  snippetThen?: string;
  /** Extra inline script after the bundle. */
  after?: string;
}

export interface Site {
  origin: string;
  /** A URL of this site serving a page built from `options` (`path` may carry a query and fragment). */
  url(options?: PageOptions, path?: string): string;
}

export interface Collector {
  /** The collector itself (admin reads). */
  url: string;
  /**
   * Where the pages send: a TCP pass-through to the collector that can be cut,
   * so "the network is down" holds for every request, keepalive ones sent while
   * a page unloads included (those escape Playwright's request routing).
   */
  publicUrl: string;
  setReachable(reachable: boolean): void;
  /** Every stored event (all pages), oldest first. */
  events(): Promise<StoredEvent[]>;
  /** Stored track events named `event`, oldest first. */
  tracks(event: string): Promise<StoredEvent[]>;
  profile(ref: string): Promise<{ status: number; body: Profile | null }>;
  profileEvents(ref: string): Promise<StoredEvent[]>;
  /** Requests the pages of this test made to the collector's batch endpoint. */
  batches: Request[];
}

const pageHtml = (collectorUrl: string, options: PageOptions) => {
  const data = Object.entries({ 'write-key': WRITE_KEY, host: collectorUrl, ...options.data })
    .map(([name, value]) => ` data-${name}="${value}"`)
    .join('');
  const preset = options.options
    ? `<script>window.exhaust = { options: ${JSON.stringify(options.options)} };</script>`
    : '';
  const loader = options.snippetThen
    ? `<script>${snippet({ writeKey: WRITE_KEY, host: collectorUrl, src: '/exhaust.min.js?slow=1' })}\n${options.snippetThen}</script>`
    : `${preset}<script src="/exhaust.min.js"${data}></script>`;
  return `<!doctype html><html><head><title>Exhaust e2e</title>${loader}</head><body><h1>shop</h1>${
    options.after ? `<script>${options.after}</script>` : ''
  }</body></html>`;
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export const test = base.extend<{ site: Site; collector: Collector }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  site: async ({}, use) => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`pnpm build\` first (\`pnpm test\` does)`);
    let collectorUrl = '';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/exhaust.min.js') {
        const send = () => res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(BUNDLE));
        // `slow`: the snippet's stub must queue calls made before the bundle arrives.
        if (url.searchParams.has('slow')) setTimeout(send, 300);
        else send();
        return;
      }
      if (url.pathname === '/favicon.ico') return void res.writeHead(404).end();
      const options = JSON.parse(url.searchParams.get('page') ?? '{}') as PageOptions;
      res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml(collectorUrl, options));
    });
    const origin = await listen(server);
    const site: Site & { setCollector(url: string): void } = {
      origin,
      url: (options = {}, path = '/') => {
        const target = new URL(path, origin);
        target.searchParams.set('page', JSON.stringify(options));
        return target.toString();
      },
      setCollector: (url) => {
        collectorUrl = url;
      },
    };
    await use(site);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },

  collector: async ({ site, context }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'exhaust-browser-e2e-'));
    const running = await startCollector({
      port: 0,
      db: join(dir, 'exhaust.db'),
      logLevel: 'silent',
      config: {
        sources: [
          { name: 'web', writeKey: WRITE_KEY, allowedOrigins: [site.origin] },
          { name: 'demo', writeKey: ANY_ORIGIN_WRITE_KEY, allowedOrigins: ['*'] },
        ],
        adminKeys: [ADMIN_KEY],
      },
    });
    let reachable = true;
    const sockets = new Set<Socket>();
    const proxy = createTcpServer((client) => {
      if (!reachable) return void client.destroy();
      const upstream = createConnection({ host: '127.0.0.1', port: running.port });
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const publicUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    (site as Site & { setCollector(url: string): void }).setCollector(publicUrl);
    const admin = async <T>(path: string) => {
      const res = await fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      return { status: res.status, body: res.status === 200 ? ((await res.json()) as T) : null };
    };
    const all = async (path: string) => {
      const out: StoredEvent[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const page: { status: number; body: ApiPage<StoredEvent> | null } = await admin<ApiPage<StoredEvent>>(
          `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        // A profile that does not exist yet reads as empty, so tests can poll for it.
        if (page.status === 404 && path.startsWith('/v1/profiles/')) return [];
        if (!page.body) throw new Error(`GET ${path} answered ${page.status}`);
        out.push(...page.body.data);
        cursor = page.body.nextCursor;
      } while (cursor);
      return out.reverse();
    };
    const batches: Request[] = [];
    context.on('request', (request) => {
      if (request.url().startsWith(`${publicUrl}/v1/batch`)) batches.push(request);
    });
    const collector: Collector = {
      url: running.url,
      publicUrl,
      setReachable(next) {
        reachable = next;
        if (!next) for (const socket of sockets) socket.destroy();
      },
      events: () => all('/v1/events'),
      tracks: async (event) =>
        (await all(`/v1/events?type=track&event=${encodeURIComponent(event)}`)).filter(
          (stored) => (stored.message as { event?: string }).event === event,
        ),
      profile: (ref) => admin<Profile>(`/v1/profiles/${encodeURIComponent(ref)}`),
      profileEvents: (ref) => all(`/v1/profiles/${encodeURIComponent(ref)}/events`),
      batches,
    };
    await use(collector);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  },
});

export { expect };

/** The events waiting in this page's IndexedDB queue (read from the page, as a visitor's devtools would). */
export function idbEvents(page: Page): Promise<{ id: string; category: string; message: Message }[]> {
  return page.evaluate(async () => {
    const databases = await indexedDB.databases();
    if (!databases.some((db) => db.name === 'exhaust:v1')) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('exhaust:v1');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    if (!db.objectStoreNames.contains('events')) {
      db.close();
      return [];
    }
    const all = await new Promise<unknown[]>((resolve, reject) => {
      const request = db.transaction('events', 'readonly').objectStore('events').getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return all as { id: string; category: string; message: Message }[];
  });
}

/** Message ids sent in the batches the collector answered 200, with how many times each was sent. */
export async function acknowledgedSends(batches: Request[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const request of batches) {
    const response = await request.response().catch(() => null);
    if (response?.status() !== 200) continue;
    const body = JSON.parse(request.postData() ?? '{}') as { batch?: Message[] };
    for (const message of body.batch ?? []) {
      counts.set(message.messageId!, (counts.get(message.messageId!) ?? 0) + 1);
    }
  }
  return counts;
}
