/**
 * Every identity scenario of issue 3, over HTTP, on THREE collector processes
 * (the built CLI) sharing one PostgreSQL database: each step's concurrent
 * groups go to different collectors at the same moment, and the scenarios of
 * one configuration run side by side. The same input then goes to one SQLite
 * collector (`startTestCollector`, the reference that routes/profiles.test.ts
 * checks scenario by scenario), and what both answer must be the same: the
 * profiles, timelines, merge histories, each event's profile and warnings and
 * the privileged operations' answers, with random ids replaced by labels in
 * order of appearance. Scenarios share a database, so each one's identifiers
 * carry its own prefix. Needs `dist/` (`pnpm build`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityConfigInput } from './identity/config.js';
import { ADMIN_KEY, startTestCollector, WRITE_KEY } from './routes/identity-e2e.support.js';
import { CLI, type CliProcess, startCli } from './test/cli-process.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from './test/postgres.js';

const clusterUrl = testPostgresUrl();
/** Collector processes per database, as issue 14 asks. */
const COLLECTORS = 3;
/** How many times the concurrency scenarios fire their parallel groups. */
const ROUNDS = 4;

type Message = Record<string, unknown>;
type Step =
  /** Batches sent at the same moment, each to another collector. */
  | { send: Message[][] }
  | { admin: [method: string, path: string, body?: unknown] }
  /** Reads the state now as well as at the end (for before/after comparisons). */
  | { probe: true };
interface Scenario {
  name: string;
  steps: Step[];
  /** Refs read at every probe (`type:value`). */
  refs: string[];
  /**
   * Outcomes decided by which concurrent request commits first (which fragment claimed an identifier,
   * the merge records' order and triggers): compared without them.
   */
  orderFree?: boolean;
}

/** A fixed past minute, `minute` minutes after 10:00 UTC on 2026-11-20. */
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();
/** Messages without a timestamp get one after every `at()`, one second apart in creation order. */
const LATER = Date.UTC(2026, 10, 21);

/** Builds one scenario: `v('u-1')` is the scenario's own identifier value, `m(...)` a message with a fixed id. */
function scenario(
  key: string,
  name: string,
  build: (v: (value: string) => string, m: (fields: Message) => Message) => Omit<Scenario, 'name'>,
): Scenario {
  let n = 0;
  const v = (value: string) => `${key}-${value}`;
  const m = (fields: Message): Message => {
    n += 1;
    return { messageId: `${key}-m${n}`, timestamp: new Date(LATER + n * 1000).toISOString(), ...fields };
  };
  return { name, ...build(v, m) };
}

const send = (...groups: Message[][]): Step => ({ send: groups });
const probe: Step = { probe: true };
const admin = (method: string, path: string, body?: unknown): Step => ({ admin: [method, path, body] });
const ref = (r: string) => encodeURIComponent(r);

/** The scenarios of issue 3's "Done when" that hold in either contested mode (run in both). */
const bothModes = (mode: string): Scenario[] => [
  scenario(`reset-${mode}`, `shared browser with reset() keeps two clean profiles (${mode})`, (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('a-1') })]),
      send([
        m({ type: 'identify', userId: v('u-2'), anonymousId: v('a-2') }),
        m({ type: 'page', anonymousId: v('a-2') }),
      ]),
    ],
    refs: [`userId:${v('u-1')}`, `userId:${v('u-2')}`],
  })),
];

const quarantine: Scenario[] = [
  scenario('signup', 'anonymous browsing then signup', (v, m) => ({
    steps: [
      send([m({ type: 'page', anonymousId: v('a-1') }), m({ type: 'track', event: 'Viewed', anonymousId: v('a-1') })]),
      probe,
      send([
        m({ type: 'identify', userId: v('u-1'), anonymousId: v('a-1'), traits: { email: `${v('ada')}@Example.org` } }),
      ]),
    ],
    refs: [`userId:${v('u-1')}`, `anonymousId:${v('a-1')}`, `email:${v('ada')}@example.org`],
  })),
  scenario('late', 'a late pre-login event arriving after login', (v, m) => ({
    steps: [
      send([m({ type: 'page', anonymousId: v('a-1'), timestamp: at(1) })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('a-1'), timestamp: at(5) })]),
      send([m({ type: 'track', event: 'Added To Cart', anonymousId: v('a-1'), timestamp: at(2) })]),
    ],
    refs: [`userId:${v('u-1')}`],
  })),
  scenario('devices', 'two devices joined by login', (v, m) => ({
    steps: [
      send([m({ type: 'page', anonymousId: v('laptop') })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('laptop') })]),
      send([m({ type: 'page', anonymousId: v('phone') })]),
      probe,
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('phone') })]),
    ],
    refs: [`anonymousId:${v('phone')}`, `anonymousId:${v('laptop')}`],
  })),
  scenario('server', 'a server-side identify before any client activity', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), traits: { plan: 'pro' }, timestamp: at(1) })]),
      send([m({ type: 'page', anonymousId: v('browser'), timestamp: at(2) })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('browser'), timestamp: at(3) })]),
    ],
    refs: [`userId:${v('u-1')}`, `anonymousId:${v('browser')}`],
  })),
  scenario('email', 'email linking across case', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), traits: { email: `${v('Ada.Lovelace')}@Example.COM` } })]),
      send([
        m({
          type: 'track',
          event: 'Opened',
          anonymousId: v('b'),
          context: { traits: { email: ` ${v('ada.lovelace')}@example.com ` } },
        }),
      ]),
    ],
    refs: [`anonymousId:${v('b')}`, `email:${v('ADA.LOVELACE')}@example.com`],
  })),
  ...bothModes('quarantine'),
  scenario('shared-q', 'shared browser without reset() (quarantine)', (v, m) => ({
    steps: [
      send([m({ type: 'page', anonymousId: v('shared') })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('shared') })]),
      send([m({ type: 'identify', userId: v('u-2'), anonymousId: v('shared') })]),
      send([m({ type: 'page', anonymousId: v('shared') })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('shared') })]),
    ],
    refs: [`userId:${v('u-1')}`, `userId:${v('u-2')}`, `anonymousId:${v('shared')}`],
  })),
  scenario('kiosk', 'a kiosk device id blocked by configuration', (v, m) => ({
    steps: [
      send([
        m({ type: 'identify', userId: v('u-1'), anonymousId: v('k-a'), context: { device: { id: 'kiosk-7' } } }),
        m({ type: 'identify', userId: v('u-2'), anonymousId: v('k-b'), context: { device: { id: 'kiosk-7' } } }),
      ]),
    ],
    refs: [`userId:${v('u-1')}`, `userId:${v('u-2')}`, 'deviceId:kiosk-7'],
  })),
  scenario('alias', 'two userIds refused by alias', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('a-1') })]),
      send([m({ type: 'identify', userId: v('u-2'), anonymousId: v('a-2') })]),
      send([m({ type: 'alias', userId: v('u-2'), previousId: v('u-1') })]),
    ],
    refs: [`userId:${v('u-1')}`, `userId:${v('u-2')}`],
  })),
  scenario('login-as', 'two userIds refused by "log in as"', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('customer'), anonymousId: v('customer-laptop') })]),
      send([m({ type: 'identify', userId: v('agent'), anonymousId: v('agent-browser') })]),
      send([
        m({ type: 'identify', userId: v('customer'), anonymousId: v('agent-browser') }),
        m({ type: 'track', event: 'Refund Issued', userId: v('customer'), anonymousId: v('agent-browser') }),
      ]),
    ],
    refs: [`userId:${v('agent')}`, `userId:${v('customer')}`],
  })),
  scenario('forced', 'a forced merge then unmerge restoring both exactly', (v, m) => ({
    steps: [
      send([
        m({
          type: 'identify',
          userId: v('u-1'),
          anonymousId: v('a-1'),
          traits: { plan: 'free', name: 'Ada' },
          timestamp: at(1),
        }),
        m({
          type: 'page',
          anonymousId: v('a-1'),
          context: { consent: { categoryPreferences: { ads: true } } },
          timestamp: at(2),
        }),
        m({ type: 'identify', userId: v('u-2'), anonymousId: v('a-2'), traits: { plan: 'pro' }, timestamp: at(3) }),
        m({ type: 'track', event: 'Paid', userId: v('u-2'), timestamp: at(4) }),
      ]),
      probe,
      admin('POST', '/v1/merges', { from: `userId:${v('u-2')}`, into: `userId:${v('u-1')}` }),
      probe,
      admin('POST', `/v1/profiles/${ref(`userId:${v('u-2')}`)}/unmerge`),
      admin('POST', `/v1/profiles/${ref(`userId:${v('u-2')}`)}/unmerge`),
      admin('POST', '/v1/merges', { from: `userId:${v('u-1')}`, into: `userId:${v('nobody')}` }),
    ],
    refs: [`userId:${v('u-1')}`, `userId:${v('u-2')}`],
  })),
  scenario('phone', 'phone normalisation', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), traits: { phone: '+1 (555) 010-9999' } })]),
      send([
        m({ type: 'track', event: 'Called', anonymousId: v('b'), context: { traits: { phone: '001.555.010.9999' } } }),
      ]),
      send([m({ type: 'identify', userId: v('u-2'), traits: { phone: '12 34' } })]),
    ],
    // The one scenario whose identifier cannot carry a prefix: no other scenario uses a phone.
    refs: [`anonymousId:${v('b')}`, 'phone:+1 555 010 9999', `userId:${v('u-2')}`],
  })),
  scenario('external', 'a custom externalId merging', (v, m) => ({
    steps: [
      send([
        m({
          type: 'identify',
          userId: v('u-1'),
          context: { externalIds: [{ type: 'Shopify', id: v('c-77'), collection: 'users' }] },
        }),
      ]),
      send([
        m({
          type: 'track',
          event: 'Order',
          anonymousId: v('pos'),
          context: { externalIds: [{ type: 'shopify', id: ` ${v('c-77')} ` }] },
        }),
      ]),
    ],
    refs: [`anonymousId:${v('pos')}`, `shopify:${v('c-77')}`],
  })),
  scenario('junk', 'junk userIds and emails never linking', (v, m) => ({
    steps: [
      send([
        m({ type: 'identify', userId: 'undefined', anonymousId: v('a-1'), traits: { email: 'test@example.com' } }),
        m({ type: 'identify', userId: 'null', anonymousId: v('a-2'), traits: { email: 'TEST@example.com' } }),
      ]),
    ],
    refs: [`anonymousId:${v('a-1')}`, `anonymousId:${v('a-2')}`, 'userId:undefined', 'email:test@example.com'],
  })),
  scenario('only-junk', 'events with only junk identifiers left unattached', (_v, m) => ({
    steps: [
      send([
        m({
          type: 'track',
          event: 'Clicked',
          userId: '"undefined"',
          anonymousId: '00000000-0000-0000-0000-000000000000',
        }),
      ]),
    ],
    refs: [],
  })),
  scenario('traits', 'out-of-order and merged traits', (v, m) => ({
    steps: [
      send([
        m({ type: 'identify', userId: v('u-1'), anonymousId: v('a'), traits: { plan: 'pro' }, timestamp: at(10) }),
      ]),
      send([m({ type: 'identify', anonymousId: v('b'), traits: { plan: 'free', city: 'Oslo' }, timestamp: at(5) })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('b'), timestamp: at(20) })]),
      send([m({ type: 'identify', userId: v('u-1'), traits: { plan: 'enterprise' }, timestamp: at(1) })]),
      probe,
      send([
        m({ type: 'track', event: 'x', userId: v('u-1'), context: { traits: { plan: 'trial' } }, timestamp: at(30) }),
      ]),
    ],
    refs: [`userId:${v('u-1')}`],
  })),
  scenario('null', 'null unsets', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), traits: { nickname: 'Ace' }, timestamp: at(10) })]),
      send([m({ type: 'identify', userId: v('u-1'), traits: { nickname: null }, timestamp: at(5) })]),
      probe,
      send([m({ type: 'identify', userId: v('u-1'), traits: { nickname: null }, timestamp: at(15) })]),
    ],
    refs: [`userId:${v('u-1')}`],
  })),
  scenario('consent', 'consent: the latest choice per category by event time', (v, m) => {
    const consent = (prefs: Record<string, boolean>, minute: number) =>
      m({
        type: 'track',
        event: 'Consent',
        anonymousId: v('a'),
        context: { consent: { categoryPreferences: prefs } },
        timestamp: at(minute),
      });
    return {
      steps: [
        send([consent({ analytics: true, ads: false }, 1), consent({ ads: true }, 3), consent({ ads: false }, 2)]),
      ],
      refs: [`anonymousId:${v('a')}`],
    };
  }),
  scenario('duplicate', 'duplicate messageIds including one that would merge', (v, m) => {
    const login = m({ type: 'identify', userId: v('u-1'), anonymousId: v('b') });
    const seen = m({ type: 'page', anonymousId: v('c') });
    return {
      steps: [
        send([
          m({ type: 'identify', userId: v('u-1'), anonymousId: v('a') }),
          m({ type: 'page', anonymousId: v('b') }),
        ]),
        send([login]),
        // The same login twice at once, through two collectors: stored once.
        send([login], [login]),
        send([seen]),
        send([{ ...seen, type: 'identify', userId: v('u-1') }]),
      ],
      refs: [`userId:${v('u-1')}`, `anonymousId:${v('c')}`],
    };
  }),
  scenario('future', 'a future timestamp clamped', (v, m) => ({
    steps: [
      send([
        m({
          type: 'identify',
          userId: v('u-1'),
          traits: { plan: 'from-the-future' },
          timestamp: new Date(Date.now() + 48 * 3600_000).toISOString(),
        }),
      ]),
      probe,
      send([
        m({
          type: 'identify',
          userId: v('u-1'),
          traits: { plan: 'now' },
          timestamp: new Date(Date.now() + 1000).toISOString(),
        }),
      ]),
    ],
    refs: [`userId:${v('u-1')}`],
  })),
  scenario('three', 'one event merging three profiles', (v, m) => ({
    steps: [
      send([m({ type: 'page', anonymousId: v('a') })]),
      send([m({ type: 'identify', anonymousId: v('b'), traits: { email: `${v('e')}@x.io` } })]),
      send([m({ type: 'identify', userId: v('u-1') })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('a'), traits: { email: `${v('e')}@x.io` } })]),
    ],
    refs: [`userId:${v('u-1')}`, `anonymousId:${v('b')}`],
  })),
  scenario('anon-limit', 'the anonymousId limit', (v, m) => ({
    steps: [
      send(Array.from({ length: 51 }, (_, i) => m({ type: 'page', userId: v('u-1'), anonymousId: v(`a-${i}`) }))),
    ],
    refs: [`userId:${v('u-1')}`, `anonymousId:${v('a-50')}`],
  })),
  scenario('merge-cap', 'the merge cap (maxMergesPerProfile 2 in this configuration)', (v, m) => ({
    steps: [
      send(['a', 'b', 'c', 'd'].map((a) => m({ type: 'page', anonymousId: v(a) }))),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('a') })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('b') })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('c') })]),
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('d') })]),
    ],
    refs: [`userId:${v('u-1')}`, `anonymousId:${v('d')}`],
  })),
  scenario('first-events', 'concurrent first events for one new anonymousId (repeated)', (v, m) => ({
    steps: Array.from({ length: ROUNDS }, (_, round) =>
      send(...Array.from({ length: 12 }, () => [m({ type: 'page', anonymousId: v(`fresh-${round}`) })])),
    ),
    refs: Array.from({ length: ROUNDS }, (_, round) => `anonymousId:${v(`fresh-${round}`)}`),
    orderFree: true,
  })),
  scenario('logins', 'concurrent logins from three devices (repeated)', (v, m) => {
    const rounds = Array.from({ length: ROUNDS }, (_, round) =>
      ['laptop', 'phone', 'tablet'].map((d) => v(`${d}-${round}`)),
    );
    return {
      steps: rounds.flatMap((devices, round) => [
        send(devices.map((anonymousId) => m({ type: 'page', anonymousId }))),
        send(...devices.map((anonymousId) => [m({ type: 'identify', userId: v(`u-${round}`), anonymousId })])),
      ]),
      refs: rounds.flatMap((devices, round) => [
        `userId:${v(`u-${round}`)}`,
        ...devices.map((d) => `anonymousId:${d}`),
      ]),
      orderFree: true,
    };
  }),
  scenario('erase', 'erasure of a merged profile without suppression', (v, m) => {
    const events = [
      m({ type: 'page', anonymousId: v('laptop') }),
      m({
        type: 'identify',
        userId: v('u-1'),
        anonymousId: v('laptop'),
        traits: { email: `${v('ada')}@x.io`, name: 'Ada' },
      }),
      m({ type: 'page', anonymousId: v('phone'), context: { consent: { categoryPreferences: { ads: true } } } }),
      m({ type: 'identify', userId: v('u-1'), anonymousId: v('phone') }),
    ];
    return {
      steps: [
        send(events.slice(0, 2)),
        send(events.slice(2)),
        send([m({ type: 'identify', userId: v('someone-else'), anonymousId: v('other') })]),
        admin('DELETE', `/v1/profiles/${ref(`anonymousId:${v('phone')}`)}`),
        probe,
        // Replayed at once through every collector: never comes back.
        send(events, events, events),
        send([m({ type: 'identify', userId: v('u-1') })]),
      ],
      refs: [
        `userId:${v('u-1')}`,
        `anonymousId:${v('laptop')}`,
        `email:${v('ada')}@x.io`,
        `userId:${v('someone-else')}`,
      ],
    };
  }),
  scenario('suppress', 'erasure with suppression', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('a'), traits: { email: `${v('ada')}@x.io` } })]),
      admin('DELETE', `/v1/profiles/${ref(`userId:${v('u-1')}`)}?suppress=true`),
      send(
        [m({ type: 'page', anonymousId: v('a') })],
        [
          m({
            type: 'track',
            event: 'x',
            anonymousId: v('new-browser'),
            context: { traits: { email: `${v('ADA')}@x.io` } },
          }),
        ],
      ),
    ],
    refs: [`userId:${v('u-1')}`, `anonymousId:${v('new-browser')}`],
  })),
  scenario('shared-erase', 'erasure of one person on a shared device', (v, m) => ({
    steps: [
      send([m({ type: 'page', anonymousId: v('family-pc') })]),
      send([m({ type: 'identify', userId: v('parent'), anonymousId: v('family-pc') })]),
      send([m({ type: 'identify', userId: v('teen'), anonymousId: v('family-pc') })]),
      send([m({ type: 'page', anonymousId: v('family-pc') })]),
      admin('DELETE', `/v1/profiles/${ref(`userId:${v('teen')}`)}`),
      probe,
      admin('DELETE', `/v1/profiles/${ref(`userId:${v('parent')}`)}?suppress=true`),
    ],
    refs: [`userId:${v('parent')}`, `userId:${v('teen')}`],
  })),
];

const firstOwner: Scenario[] = [
  ...bothModes('first-owner'),
  scenario('shared-f', 'shared browser without reset() (first-owner)', (v, m) => ({
    steps: [
      send([m({ type: 'identify', userId: v('u-1'), anonymousId: v('shared') })]),
      send([m({ type: 'identify', userId: v('u-2'), anonymousId: v('shared') })]),
      send([m({ type: 'page', anonymousId: v('shared') })]),
    ],
    refs: [`userId:${v('u-1')}`, `userId:${v('u-2')}`, `anonymousId:${v('shared')}`],
  })),
];

// biome-ignore lint/suspicious/noExplicitAny: the answers are arbitrary JSON, compared whole
type Json = any;

/** Where a scenario runs: the collectors' URLs (one for SQLite, three for PostgreSQL). */
interface Target {
  urls: string[];
}

async function request(url: string, method: string, path: string, body?: unknown, auth = `Bearer ${ADMIN_KEY}`) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const WRITE_AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

/** Reads everything a scenario's outcome consists of, through `url`. */
async function read(url: string, s: Scenario, sent: Message[]): Promise<Json> {
  const get = (path: string) => request(url, 'GET', path);
  const profiles: Json[] = [];
  const readProfile = async (r: string) => {
    const profile = await get(`/v1/profiles/${ref(r)}`);
    if (profile.status !== 200) return { ref: r, status: profile.status, error: profile.body.error?.code };
    const timeline: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await get(`/v1/profiles/${ref(r)}/events?limit=7${cursor ? `&cursor=${ref(cursor)}` : ''}`);
      timeline.push(...page.body.data.map((e: { messageId: string }) => e.messageId));
      cursor = page.body.nextCursor;
    } while (cursor);
    const merges = (await get(`/v1/profiles/${ref(r)}/merges`)).body.data;
    return { ref: r, status: 200, profile: profile.body, timeline, merges };
  };
  for (const r of s.refs) profiles.push(await readProfile(r));
  const ids = [...new Set(sent.map((message) => message.messageId as string))];
  const events: Json[] = [];
  for (const id of ids) {
    const event = await get(`/v1/events/${ref(id)}`);
    events.push(
      event.status === 200
        ? {
            id,
            profileId: event.body.profileId,
            warnings: event.body.warnings,
            anonymousId: event.body.message?.anonymousId,
          }
        : { id, status: event.status },
    );
  }
  // The profiles events landed on that no ref names (holding profiles, say).
  const named = new Set(profiles.map((p) => p.profile?.id));
  for (const profileId of new Set(events.map((e) => e.profileId).filter((id) => typeof id === 'string'))) {
    if (!named.has(profileId)) profiles.push(await readProfile(profileId));
  }
  return { profiles, events };
}

/** Runs a scenario: each step's groups at once, spread over the collectors (a different one first each step). */
async function run(target: Target, s: Scenario): Promise<Json> {
  const outcome: Json[] = [];
  const sent: Message[] = [];
  for (const [index, step] of s.steps.entries()) {
    const url = (i: number) => target.urls[(index + i) % target.urls.length]!;
    if ('send' in step) {
      const answers = await Promise.all(
        step.send.map(async (batch, i) => {
          sent.push(...batch);
          return request(url(i), 'POST', '/v1/batch', { batch }, WRITE_AUTH);
        }),
      );
      // Which concurrent copy of a duplicate was stored differs; their sum does not.
      const total = (key: string) => answers.reduce((sum, a) => sum + (a.body[key] ?? 0), 0);
      outcome.push({
        statuses: answers.map((a) => a.status),
        accepted: total('accepted'),
        duplicates: total('duplicates'),
      });
    } else if ('admin' in step) {
      const [method, path, body] = step.admin;
      outcome.push(await request(url(0), method, path, body));
    } else {
      outcome.push(await read(url(0), s, sent));
    }
  }
  outcome.push(await read(target.urls.at(-1)!, s, sent));
  return normalize(outcome, s.orderFree === true);
}

const STARTED = new Date().toISOString();
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Random ids become labels in order of appearance; times taken from the server clock become `<now>`. */
function normalize(raw: Json, orderFree: boolean): Json {
  const outcome = orderFree ? orderFreeShape(raw) : raw;
  const labels = new Map<string, string>();
  const walk = (value: Json, key = ''): Json => {
    if (typeof value === 'string') {
      if (/^p_[0-9a-f]+$/.test(value)) {
        if (!labels.has(value)) labels.set(value, `profile-${labels.size + 1}`);
        return labels.get(value);
      }
      if (/^del_/.test(value)) return '<deletion>';
      if (ISO.test(value) && value >= STARTED) return '<now>';
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === 'object') {
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, k);
      return out;
    }
    return value;
  };
  return walk(outcome);
}

/**
 * Drops what only the commit order decides (which profile a merge record names, its trigger, which
 * fragment claimed an identifier first) and sorts what it reorders; before labelling, so that merged-away
 * ids take no labels.
 */
function orderFreeShape(node: Json): Json {
  if (Array.isArray(node)) return node.map(orderFreeShape);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = orderFreeShape(v);
  if (Array.isArray(out.timeline)) out.timeline = [...out.timeline].sort();
  if (Array.isArray(out.merges)) {
    out.merges = out.merges
      .map((merge: Json) => `${merge.reason} active=${merge.active} refused=${merge.refused}`)
      .sort();
  }
  if (Array.isArray(out.identifiers)) {
    out.identifiers = out.identifiers.map((i: Json) => `${i.type}:${i.value}${i.contested ? ' contested' : ''}`).sort();
  }
  return out;
}

const CONFIGURATIONS: { name: string; identity: IdentityConfigInput; scenarios: Scenario[] }[] = [
  {
    name: 'quarantine',
    identity: { blockedValues: { deviceId: ['KIOSK-7'] }, maxMergesPerProfile: 2 },
    scenarios: quarantine,
  },
  {
    name: 'first-owner',
    identity: { contestedMode: 'first-owner', blockedValues: { deviceId: ['KIOSK-7'] }, maxMergesPerProfile: 2 },
    scenarios: firstOwner,
  },
];

describe.skipIf(clusterUrl === null)(
  'identity scenarios on three collectors sharing PostgreSQL, against SQLite',
  () => {
    const databases: TestDatabase[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'exhaust-identity-pg-'));
    const processes: CliProcess[] = [];
    beforeAll(async () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` before these tests`);
    });
    afterAll(async () => {
      await Promise.all(processes.map((p) => p.stop()));
      await Promise.all(databases.map((d) => d.drop()));
      rmSync(dir, { recursive: true, force: true });
    });

    for (const configuration of CONFIGURATIONS) {
      describe(`contested mode ${configuration.name}`, () => {
        const outcomes = new Map<string, { sqlite: Json; postgres: Json }>();
        beforeAll(async () => {
          // A database per configuration, shared by its three collectors (all three migrate at once).
          const database = await createTestDatabase(clusterUrl!);
          databases.push(database);
          const configFile = join(dir, `${configuration.name}.json`);
          writeFileSync(
            configFile,
            JSON.stringify({
              sources: [{ name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['*'] }],
              adminKeys: [ADMIN_KEY],
              identity: configuration.identity,
            }),
          );
          const collectors = await Promise.all(
            Array.from({ length: COLLECTORS }, () => startCli(['--db', database.url, '--config', configFile], {})),
          );
          processes.push(...collectors);
          const sqlite = await startTestCollector(configuration.identity);
          try {
            const postgresRuns = await Promise.all(
              configuration.scenarios.map((s) => run({ urls: collectors.map((c) => c.url) }, s)),
            );
            const sqliteRuns = await Promise.all(configuration.scenarios.map((s) => run({ urls: [sqlite.url] }, s)));
            configuration.scenarios.forEach((s, i) => {
              outcomes.set(s.name, { sqlite: sqliteRuns[i], postgres: postgresRuns[i] });
            });
          } finally {
            await sqlite.close();
          }
        }, 90_000);

        for (const s of configuration.scenarios) {
          it(s.name, () => {
            const outcome = outcomes.get(s.name)!;
            expect(outcome.postgres).toEqual(outcome.sqlite);
          });
        }
      });
    }
  },
);
