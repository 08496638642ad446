/**
 * Serves the demo shop: `public/index.html` with the snippet filled in for a
 * collector, the built script-tag bundle at `/exhaust.min.js`, and the page for
 * any other path (the shop routes with pushState, so a reload must work).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { snippet } from '@exhaust/browser';

const PAGE = fileURLToPath(new URL('../public/index.html', import.meta.url));
const BUNDLE = createRequire(import.meta.url).resolve('@exhaust/browser/exhaust.min.js');

/**
 * @param {{ port?: number, host?: string, collectorUrl: string, writeKey: string }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startWebExample({ port = 8788, host = '127.0.0.1', collectorUrl, writeKey }) {
  const loader = snippet({ writeKey, host: collectorUrl, src: '/exhaust.min.js' });
  const server = createServer((req, res) => {
    if (req.url === '/exhaust.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(readFileSync(BUNDLE));
      return;
    }
    if (req.url === '/favicon.ico') return void res.writeHead(404).end();
    const page = readFileSync(PAGE, 'utf8')
      .replace('/* exhaust:snippet */', loader)
      .replace('<head>', `<head>\n    <meta name="exhaust-host" content="${collectorUrl}" />`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
