// The one place that says how tests and benches launch Chromium. Playwright
// cannot download its own browsers here, so everything uses Debian's Chromium
// (or EXHAUST_CHROMIUM), headless, without sandbox or background traffic.

/** Path of the Chromium binary the browser tests and benches launch. */
export const CHROMIUM_PATH = process.env.EXHAUST_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a closed network: no background requests, no component updates, no first-run UI. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Playwright `launchOptions`: a missing binary fails the launch loudly; nothing ever skips. */
export const chromiumLaunchOptions = { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS };
