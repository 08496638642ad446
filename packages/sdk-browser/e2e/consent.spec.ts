/**
 * Consent first: while pending nothing is stored or sent; a grant releases the
 * held events, each saying it was captured under pending and when the grant came;
 * a denial sends and keeps nothing; Global Privacy Control denies marketing.
 */
import type { Page } from '@playwright/test';
import { ADMIN_KEY, expect, idbEvents, test } from './fixtures.js';

const REQUIRED = { data: { consent: 'required' } };

/** What the SDK left on the device, read from the page and the browser's cookie jar. */
async function deviceState(page: Page) {
  const inPage = await page.evaluate(async () => ({
    localStorage: Object.keys(localStorage).sort(),
    databases: (await indexedDB.databases()).map((db) => db.name),
  }));
  return { ...inPage, cookies: (await page.context().cookies()).map((cookie) => cookie.name) };
}

test('pending: no cookie, no localStorage, no IndexedDB, no request; a grant delivers what waited', async ({
  page,
  site,
  collector,
}) => {
  await page.goto(site.url(REQUIRED));
  await page.evaluate(async () => {
    for (let i = 0; i < 3; i++) window.exhaust.track('Before Consent', { i });
    window.exhaust.identify('pending-user', { plan: 'pro' });
    await window.exhaust.flush();
  });
  expect(await page.evaluate(() => window.exhaust.getConsent())).toBeNull();
  expect(await deviceState(page)).toEqual({ localStorage: [], databases: [], cookies: [] });
  expect(collector.batches).toHaveLength(0);
  expect(await collector.events()).toEqual([]);

  await page.evaluate(() => window.exhaust.setConsent({ analytics: true }));
  await expect.poll(async () => (await collector.tracks('Before Consent')).length).toBe(3);
  await expect.poll(async () => (await collector.tracks('Consent Preference Updated')).length).toBe(1);
  const stored = await collector.events();
  expect(stored.map((event) => event.type).sort()).toEqual(['identify', 'page', 'track', 'track', 'track', 'track']);
  for (const event of stored) {
    expect(event.message.context?.consent?.categoryPreferences).toMatchObject({ analytics: true, marketing: false });
  }
  const state = await deviceState(page);
  expect(state.cookies).toEqual(['exhaust_v1_aid']);
  expect(state.localStorage).toEqual(['exhaust:v1:consent', 'exhaust:v1:identity', 'exhaust:v1:session']);
});

test('an event captured while pending says so, and names the grant that released it', async ({
  page,
  site,
  collector,
}) => {
  await page.goto(site.url({ data: { ...REQUIRED.data, 'auto-page': 'false' } }));
  // The demo shop's "Add to cart" clicked before "Accept".
  await page.evaluate(() => window.exhaust.track('Product Added', { sku: 'tee-1' }));
  await page.waitForTimeout(50);
  await page.evaluate(async () => {
    await window.exhaust.setConsent({ analytics: true });
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.events()).length).toBe(2);
  const [added] = (await collector.tracks('Product Added')).map((event) => event.message);
  const [decision] = (await collector.tracks('Consent Preference Updated')).map((event) => event.message);
  const granted = { necessary: true, analytics: true, marketing: false, personalization: false };
  const consent = added!.context?.consent;
  expect(consent).toEqual({ categoryPreferences: granted, capturedUnder: 'pending', releasedAt: expect.any(String) });
  // Released by the decision: after the click, no later than the event that records the decision.
  expect(Date.parse(consent!.releasedAt!)).toBeGreaterThan(Date.parse(added!.timestamp!));
  expect(Date.parse(consent!.releasedAt!)).toBeLessThanOrEqual(Date.parse(decision!.timestamp!));
  // Captured under the decision: the preferences alone, as Segment sends them.
  expect(decision!.context?.consent).toEqual({ categoryPreferences: granted });

  // The profile dates the grant at the decision, and its consent history holds no record dated at the click:
  // erasing it counts the decision's 4 records (one per category), none from the event captured while pending.
  const anonymousId = await page.evaluate(() => window.exhaust.user().anonymousId);
  const profile = await collector.profile(`anonymousId:${anonymousId}`);
  expect(profile.body?.consent.analytics).toEqual({ granted: true, at: decision!.timestamp });
  const erased = await fetch(`${collector.url}/v1/profiles/anonymousId:${anonymousId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(await erased.json()).toMatchObject({ events: 2, consentRecords: 4 });
});

test('deny: nothing arrives and nothing is kept but the refusal itself', async ({ page, site, collector }) => {
  await page.goto(site.url(REQUIRED));
  await page.evaluate(async () => {
    window.exhaust.track('Before Refusal');
    await window.exhaust.setConsent({ analytics: false, marketing: false, personalization: false });
    window.exhaust.track('After Refusal');
    await window.exhaust.flush();
  });
  expect(await collector.events()).toEqual([]);
  expect(collector.batches).toHaveLength(0);
  expect(await idbEvents(page)).toEqual([]);
  // The decision is kept (strictly necessary, or the banner would come back on every page); no identifier is.
  expect(await deviceState(page)).toEqual({ localStorage: ['exhaust:v1:consent'], databases: [], cookies: [] });

  // The refusal holds on the next page: nothing is captured there either.
  await page.reload();
  await page.evaluate(async () => {
    window.exhaust.track('Next Page');
    await window.exhaust.flush();
  });
  expect(await collector.events()).toEqual([]);
  expect(await page.evaluate(() => window.exhaust.getConsent())).toMatchObject({ analytics: false });
});

test('revoking everything after a grant records the revocation, then forgets the device', async ({
  page,
  site,
  collector,
}) => {
  await page.goto(site.url({ ...REQUIRED, options: { flushIntervalMs: 3_600_000, flushAt: 1000 } }));
  await page.evaluate(() => window.exhaust.setConsent({ analytics: true, marketing: true }));
  await expect.poll(async () => (await collector.tracks('Consent Preference Updated')).length).toBe(1);
  // Marketing events wait in IndexedDB (an hour to the next flush)...
  await page.evaluate(() => window.exhaust.track('Ad Clicked', {}, { category: 'marketing' }));
  await expect.poll(async () => (await idbEvents(page)).length).toBe(1);
  // ...and are purged, not sent, when marketing is revoked.
  await page.evaluate(() => window.exhaust.setConsent({ analytics: false, marketing: false }));
  await expect.poll(async () => (await collector.tracks('Consent Preference Updated')).length).toBe(2);
  expect(await collector.tracks('Ad Clicked')).toEqual([]);
  const revocation = (await collector.tracks('Consent Preference Updated')).at(-1)!;
  expect(revocation.message.context?.consent?.categoryPreferences).toMatchObject({
    analytics: false,
    marketing: false,
  });
  expect(await idbEvents(page)).toEqual([]);
  expect(await deviceState(page)).toMatchObject({ localStorage: ['exhaust:v1:consent'], cookies: [] });
});

test('Global Privacy Control denies marketing, not analytics', async ({ page, site, collector }) => {
  await page.addInitScript(() =>
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
  );
  await page.goto(site.url({ data: { 'auto-page': 'false' } }));
  await page.evaluate(async () => {
    window.exhaust.track('Ad Clicked', {}, { category: 'marketing' });
    window.exhaust.track('Viewed Product');
    await window.exhaust.flush();
  });
  await expect.poll(async () => (await collector.tracks('Viewed Product')).length).toBe(1);
  expect(await collector.tracks('Ad Clicked')).toEqual([]);
  const [viewed] = await collector.tracks('Viewed Product');
  expect(viewed!.message.context?.consent?.categoryPreferences).toMatchObject({ analytics: true, marketing: false });
});
