// Browser SDK figures: the script-tag bundle's size next to the script-tag
// bundles of posthog-js, @segment/analytics-next and @rudderstack/analytics-js
// (devDependencies of @exhaust/browser), all measured the same way in this run
// (gzip level 9, brotli quality 11, the file as a CDN would serve it), then the
// cost of one track() call in headless Chromium (median of chunk means).
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const BUNDLE = root('packages/sdk-browser/dist/exhaust.min.js');
if (!existsSync(BUNDLE)) {
  console.error('packages/sdk-browser/dist/exhaust.min.js is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}
const requireFromSdk = createRequire(root('packages/sdk-browser/package.json'));
// Each peer's files as installed for @exhaust/browser (pnpm links them into its node_modules).
const peer = (name, file) => root(`packages/sdk-browser/node_modules/${name}/${file}`);

/** What a page loads from the vendor's snippet or script tag (see each vendor's docs). */
const BUNDLES = [
  ['@exhaust/browser dist/exhaust.min.js', BUNDLE],
  ['posthog-js dist/array.js (snippet default)', peer('posthog-js', 'dist/array.js')],
  ['posthog-js dist/array.full.js (all extensions)', peer('posthog-js', 'dist/array.full.js')],
  ['@segment/analytics-next dist/umd/standalone.js', peer('@segment/analytics-next', 'dist/umd/standalone.js')],
  ['@rudderstack/analytics-js modern/umd/index.js', peer('@rudderstack/analytics-js', 'dist/npm/modern/umd/index.js')],
];

// Decimal kilobytes, the unit of issue 4's budget and peer figures.
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`.padStart(9);
console.log('Script-tag bundle sizes (minified / gzip -9 / brotli 11):');
let ours = 0;
for (const [name, file] of BUNDLES) {
  const code = readFileSync(file);
  const gzip = gzipSync(code, { level: 9 }).length;
  const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  ours ||= gzip;
  const ratio = gzip === ours ? '' : `  (${(gzip / ours).toFixed(1)}x ours)`;
  console.log(`  ${name.padEnd(50)} ${kb(code.length)} ${kb(gzip)} ${kb(brotli)}${ratio}`);
  if (!ratio)
    console.log(
      `  ${''.padEnd(50)} ${`${code.length} B`.padStart(9)} ${`${gzip} B`.padStart(9)} ${`${brotli} B`.padStart(9)}`,
    );
}
console.log('  (Segment and RudderStack load more code at runtime: plugins, destinations; not counted here.)');

// --- track() cost in headless Chromium ---
// Chunks of calls with a turn of the event loop between them, as on a real page (write-behind and
// flushes run in between); 10,000 calls in all stays within the queue's bound, so nothing is dropped.
const CALLS_PER_CHUNK = 200;
const CHUNKS = 50;
const collector = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' });
    res.end('{"success":true,"accepted":0,"duplicates":0,"rejected":[]}');
  });
});
const site = createServer((req, res) => {
  if (req.url === '/exhaust.min.js')
    return res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(BUNDLE));
  const host = `http://127.0.0.1:${collector.address().port}`;
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(
    `<!doctype html><title>bench</title><script src="/exhaust.min.js" data-write-key="bench" data-host="${host}" data-auto-page="false"></script>`,
  );
});
await new Promise((resolve) => collector.listen(0, '127.0.0.1', resolve));
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const { chromium } = requireFromSdk('@playwright/test');
const browser = await chromium.launch(chromiumLaunchOptions);
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${site.address().port}/`);
  const means = await page.evaluate(
    async ({ calls, chunks }) => {
      const out = [];
      for (let chunk = 0; chunk < chunks; chunk++) {
        const start = performance.now();
        for (let i = 0; i < calls; i++) window.exhaust.track('Bench Event', { chunk, i, price: 9.99, sku: 'sku-123' });
        out.push(((performance.now() - start) * 1000) / calls);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return out;
    },
    { calls: CALLS_PER_CHUNK, chunks: CHUNKS },
  );
  const sorted = [...means].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const p90 = sorted[Math.floor(sorted.length * 0.9)];
  console.log(
    `\ntrack() in headless Chromium, ${CHUNKS} chunks of ${CALLS_PER_CHUNK} calls (IndexedDB writes happen after, off the call):`,
  );
  console.log(`  median ${median.toFixed(2)} us per call, p90 of chunk means ${p90.toFixed(2)} us`);
} finally {
  await browser.close();
  collector.close();
  site.close();
}
