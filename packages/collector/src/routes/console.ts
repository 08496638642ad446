/**
 * The operator console at `/console/`: static files built by rollup into
 * `dist/console/` (index.html and content-hashed assets), read once at start
 * and served from memory, gzipped when the browser accepts it. The console
 * signs in with an admin key and then uses only the public admin API.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';

/** Where the console is served. */
export const CONSOLE_PATH = '/console/';
/** Hashed assets never change under their name: browsers keep them a year without asking. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The page may load only its own files and talk only to this collector. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Asset {
  body: Uint8Array;
  gzipped: Uint8Array;
  type: string;
}

/**
 * The built console next to this module: `dist/console/` from `dist/index.js`
 * or a chunk in `dist/chunks/`, or from the sources (tests) `dist/console/` of the package.
 */
export function findConsoleDir(): string | null {
  const here = import.meta.url;
  const candidates = ['./console/', '../console/', '../../dist/console/'].map((p) => fileURLToPath(new URL(p, here)));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = join(folder, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const body = readFileSync(file);
        const path = relative(dir, file).split(sep).join('/');
        const type = CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';
        assets.set(path, { body, gzipped: gzipSync(body, { level: 9 }), type });
      }
    }
  };
  walk(dir);
  return assets;
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Exhaust console</title></head>
<body><main><h1>The console is not built</h1><p>Run <code>pnpm build</code> in the Exhaust repository, then restart the collector.</p></main></body></html>`;

/**
 * @param dir the built console folder; default `findConsoleDir()`. Null serves a "not built" page.
 * @example app.route('/', createConsoleRoutes());
 */
export function createConsoleRoutes(dir: string | null = findConsoleDir()): Hono {
  const assets = dir ? loadAssets(dir) : new Map<string, Asset>();
  const app = new Hono();
  app.get('/console', (c) => c.redirect(CONSOLE_PATH, 301));
  app.get('/console/*', (c) => {
    const path = c.req.path.slice(CONSOLE_PATH.length) || 'index.html';
    const asset = assets.get(path);
    if (!asset) {
      if (assets.size === 0) return c.html(NOT_BUILT_PAGE, 503);
      return c.text('not found', 404);
    }
    const isPage = path === 'index.html';
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', isPage ? 'no-cache' : IMMUTABLE_CACHE);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Vary', 'Accept-Encoding');
    if (isPage) {
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      c.header('Referrer-Policy', 'no-referrer');
    }
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      c.header('Content-Encoding', 'gzip');
      return c.body(asset.gzipped as Uint8Array<ArrayBuffer>);
    }
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
  return app;
}
