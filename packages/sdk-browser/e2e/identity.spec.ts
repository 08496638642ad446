/**
 * Identity end to end: the browser's anonymousId and userId land on one
 * profile per person at the collector (identity stitching, contested rule).
 */
import { expect, test } from './fixtures.js';

const eventNames = (events: { message: { type: string; event?: unknown } }[]) =>
  events.map((event) => (event.message.type === 'track' ? (event.message.event as string) : event.message.type));

test('anonymous browsing, then identify: one profile holding the pre-login events', async ({
  page,
  site,
  collector,
}) => {
  await page.goto(site.url());
  const anonymousId = await page.evaluate(async () => {
    window.exhaust.track('Browsed Anonymously');
    window.exhaust.identify('user-a', { plan: 'pro' });
    window.exhaust.track('Bought');
    await window.exhaust.flush();
    return window.exhaust.user().anonymousId;
  });
  await expect.poll(async () => (await collector.profileEvents('userId:user-a')).length).toBe(4);
  const profile = (await collector.profile('userId:user-a')).body!;
  expect(profile.traits).toMatchObject({ plan: 'pro' });
  expect(profile.identifiers.map(({ type, value }) => `${type}:${value}`).sort()).toEqual(
    [`anonymousId:${anonymousId}`, 'userId:user-a'].sort(),
  );
  expect(eventNames(await collector.profileEvents('userId:user-a')).sort()).toEqual(
    ['Bought', 'Browsed Anonymously', 'identify', 'page'].sort(),
  );
  expect((await collector.profile(`anonymousId:${anonymousId}`)).body?.id).toBe(profile.id);
});

test('reset() then a second identify gives a second, separate profile', async ({ page, site, collector }) => {
  await page.goto(site.url({ data: { 'auto-page': 'false' } }));
  const [first, second] = await page.evaluate(async () => {
    window.exhaust.identify('user-a');
    window.exhaust.track('A Browsed');
    const before = window.exhaust.user().anonymousId;
    window.exhaust.reset();
    window.exhaust.identify('user-b');
    window.exhaust.track('B Browsed');
    await window.exhaust.flush();
    return [before, window.exhaust.user().anonymousId];
  });
  expect(second).not.toBe(first);
  await expect.poll(async () => (await collector.profileEvents('userId:user-b')).length).toBe(2);
  const a = (await collector.profile('userId:user-a')).body!;
  const b = (await collector.profile('userId:user-b')).body!;
  expect(a.id).not.toBe(b.id);
  expect(eventNames(await collector.profileEvents('userId:user-a')).sort()).toEqual(['A Browsed', 'identify']);
  expect(eventNames(await collector.profileEvents('userId:user-b')).sort()).toEqual(['B Browsed', 'identify']);
  expect(b.identifiers.some((identifier) => identifier.value === first)).toBe(false);
});

test('without reset(), the second person is not credited to the first (contested anonymousId)', async ({
  page,
  site,
  collector,
}) => {
  await page.goto(site.url({ data: { 'auto-page': 'false' } }));
  const anonymousId = await page.evaluate(async () => {
    window.exhaust.identify('user-c');
    window.exhaust.track('C Browsed');
    await window.exhaust.flush();
    // Someone else logs in on the same browser, nobody called reset().
    window.exhaust.identify('user-d');
    window.exhaust.track('D Browsed');
    await window.exhaust.flush();
    return window.exhaust.user().anonymousId;
  });
  await expect.poll(async () => (await collector.profileEvents('userId:user-d')).length).toBe(2);
  const c = (await collector.profile('userId:user-c')).body!;
  const d = (await collector.profile('userId:user-d')).body!;
  expect(c.id).not.toBe(d.id);
  expect(eventNames(await collector.profileEvents('userId:user-c')).sort()).toEqual(['C Browsed', 'identify']);
  expect(eventNames(await collector.profileEvents('userId:user-d')).sort()).toEqual(['D Browsed', 'identify']);
  // The shared anonymousId stops linking: it stays with the first person, marked contested.
  expect(c.identifiers).toContainEqual(
    expect.objectContaining({ type: 'anonymousId', value: anonymousId, contested: true }),
  );
  expect(d.identifiers.some((identifier) => identifier.value === anonymousId)).toBe(false);
});
