// The operator console's weight as the browser downloads it: every file of
// packages/collector/dist/console (built by `pnpm build`), raw and gzip -9,
// against the 150 KB gzip budget; and the time from navigation to first paint
// in Chromium against a collector on loopback. PostHog's and OpenPanel's
// dashboards cannot be built offline here, so ours is stated alone.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The console's budget: all it downloads, gzip-compressed. */
const CONSOLE_BUDGET_GZIP_BYTES = 150 * 1024;
const root = fileURLToPath(new URL('../packages/collector/dist/console/', import.meta.url));

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) walk(file);
    // Source maps are hidden (no sourceMappingURL): the browser never downloads them.
    else if (!name.endsWith('.map')) files.push(file);
  }
};
walk(root);
let raw = 0;
let gzip = 0;
for (const file of files.sort()) {
  const body = readFileSync(file);
  const zipped = gzipSync(body, { level: 9 }).length;
  raw += body.length;
  gzip += zipped;
  console.log(
    `${relative(root, file).padEnd(40)} ${String(body.length).padStart(8)} B  ${String(zipped).padStart(7)} B gzip`,
  );
}
console.log(
  `console total: ${(raw / 1024).toFixed(1)} KB, ${(gzip / 1024).toFixed(1)} KB gzip (budget ${CONSOLE_BUDGET_GZIP_BYTES / 1024} KB gzip)`,
);

// Playwright is a dev dependency of the collector package, not of the workspace root.
const { chromium } = createRequire(new URL('../packages/collector/package.json', import.meta.url))('@playwright/test');
const { chromiumLaunchOptions } = await import('../scripts/chromium.mjs');
const { startCollector } = await import('../packages/collector/dist/index.js');
const dir = mkdtempSync(join(tmpdir(), 'exhaust-console-bench-'));
const collector = await startCollector({ port: 0, db: join(dir, 'exhaust.db'), logLevel: 'silent' });
const browser = await chromium.launch(chromiumLaunchOptions);
try {
  const paints = [];
  for (let run = 0; run < 5; run += 1) {
    // A fresh context each run: nothing cached, like a first visit.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${collector.url}/console/`, { waitUntil: 'load' });
    await page.getByLabel('Admin key').waitFor();
    const paint = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    );
    paints.push(paint);
    await context.close();
  }
  paints.sort((a, b) => a - b);
  console.log(
    `first contentful paint of /console/ on loopback, cold, 5 runs: median ${paints[2].toFixed(0)} ms (min ${paints[0].toFixed(0)}, max ${paints[4].toFixed(0)})`,
  );
} finally {
  await browser.close();
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
}
if (gzip > CONSOLE_BUDGET_GZIP_BYTES) {
  console.error('the console is over its gzip budget');
  process.exit(1);
}
