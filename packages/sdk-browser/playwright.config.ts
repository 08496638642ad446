import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright cannot download its own browsers here. A browser
// test that cannot find its browser fails (launch error), it never skips.
const CHROMIUM_PATH = process.env.EXHAUST_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  // Two workers at most: the machine has two cores shared with the collector under test.
  workers: 2,
  reporter: 'list',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
  },
});
