/**
 * Serves the built shop (`dist/`) with its runtime `/config.json`: the e2e test
 * runs it on port 0 against a throwaway collector. Paths without a file fall
 * back to index.html, as a single-page app needs.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ShopConfig } from '../src/config.js';

export const DIST_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/**
 * @example const shop = await serveShop({ config: { writeKey, host: collector.url, checkoutUrl: null } });
 */
export async function serveShop({
  config,
  port = 0,
  host = '127.0.0.1',
}: {
  config: ShopConfig;
  port?: number;
  host?: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const index = await readFile(join(DIST_DIR, 'index.html')).catch(() => {
    throw new Error(`${DIST_DIR}index.html is missing: run \`pnpm --filter @exhaust/example-react-app build\``);
  });
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://shop').pathname);
    if (path === '/config.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return response.end(JSON.stringify(config));
    }
    const file = normalize(join(DIST_DIR, path));
    if (file.startsWith(DIST_DIR) && extname(file)) {
      try {
        const body = await readFile(file);
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        return response.end(body);
      } catch {
        response.writeHead(404).end();
        return;
      }
    }
    response.writeHead(200, { 'content-type': TYPES['.html'] }).end(index);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
