// Browser tests run in Debian's Chromium (Playwright cannot download its own
// browsers here). Install it when we are root and it is missing; otherwise fail
// loudly: a browser test must never be skipped for want of a browser.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from './chromium.mjs';

if (!existsSync(CHROMIUM_PATH)) {
  if (process.getuid?.() === 0) {
    console.log(`Chromium not found at ${CHROMIUM_PATH}: installing Debian's chromium package`);
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
      stdio: 'inherit',
    });
  }
  if (!existsSync(CHROMIUM_PATH)) {
    console.error(
      `Chromium is required for the browser tests and was not found at ${CHROMIUM_PATH}.\n` +
        'Install it (Debian/Ubuntu: apt-get install chromium) or point EXHAUST_CHROMIUM at a Chromium binary.',
    );
    process.exit(1);
  }
}
