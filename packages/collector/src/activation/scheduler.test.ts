/**
 * Changes caused only by time, over real HTTP against a real collector: the
 * scheduler must record them within 2 s of the instant they become true (the
 * product's guarantee, not a benchmark), once, across a restart.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changes, create, profile, send, trackAt, waitForChanges } from '../routes/activation-http.support.js';
import { startTestCollector, type TestCollector } from '../test/harness.js';

/** The guarantee: a change caused by time is recorded within this long of its instant. */
const TIME_CHANGE_GUARANTEE_MS = 2000;
const WINDOW_MS = 3000;

const lagOf = (recordedAt: string, instant: number) => Date.parse(recordedAt) - instant;

describe('activation scheduler over HTTP', () => {
  const running: TestCollector[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const collector of running.splice(0)) await collector.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const start = async (options: Parameters<typeof startTestCollector>[0] = {}) => {
    const collector = await startTestCollector(options);
    running.push(collector);
    return collector;
  };

  it('exits when the window lapses, at second resolution, within 2 s of the instant', async () => {
    const collector = await start();
    await create(collector, '/v1/audiences', {
      key: 'pinged',
      name: 'Pinged in the last 3 s',
      condition: { event: 'Ping', within: '3s' },
    });
    const at = Date.now();
    await send(collector, trackAt('a', 'Ping', at));
    const entered = await changes(collector, 'pinged');
    expect(entered.map((c) => [c.change, c.reason])).toEqual([['entered', 'event']]);
    const all = await waitForChanges(collector, 'pinged', (list) => list.length === 2);
    const exit = all[1]!;
    expect([exit.change, exit.reason, exit.seq]).toEqual(['exited', 'time', 2]);
    const lag = lagOf(exit.at, at + WINDOW_MS);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(TIME_CHANGE_GUARANTEE_MS);
    const timeline = await collector.admin(`/v1/profiles/${encodeURIComponent('anonymousId:a')}/events`);
    const names = ((await timeline.json()) as { data: { message: { event?: string } }[] }).data.map(
      (e: { message: { event?: string } }) => e.message.event,
    );
    expect(names).toEqual(['Audience Exited', 'Audience Entered', 'Ping']);
  });

  it('enters when "bought before, but not in the last 3 s" becomes true, within 2 s', async () => {
    const collector = await start();
    await create(collector, '/v1/audiences', {
      key: 'lapsed',
      name: 'Lapsed buyers',
      condition: {
        all: [{ event: 'Order Completed' }, { event: 'Order Completed', within: '3s', count: { op: 'eq', value: 0 } }],
      },
    });
    const at = Date.now();
    await send(collector, trackAt('b', 'Order Completed', at));
    expect(await changes(collector, 'lapsed')).toEqual([]);
    const [enter] = await waitForChanges(collector, 'lapsed', (list) => list.length === 1);
    expect([enter!.change, enter!.reason]).toEqual(['entered', 'time']);
    const lag = lagOf(enter!.at, at + WINDOW_MS);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(TIME_CHANGE_GUARANTEE_MS);
  });

  it('exits when a decaying score crosses below the threshold, at the solved instant', async () => {
    const collector = await start();
    await create(collector, '/v1/computed-traits', {
      key: 'engagement',
      kind: 'score',
      rules: [{ when: { event: 'Email Opened' }, points: 100 }],
      halfLife: '2s',
    });
    await create(collector, '/v1/audiences', {
      key: 'engaged',
      name: 'Engaged',
      condition: { computed: 'engagement', op: 'gte', value: 50 },
    });
    const at = Date.now();
    await send(collector, trackAt('c', 'Email Opened', at));
    const fresh = await profile(collector, 'anonymousId:c');
    expect(fresh.computed.engagement).toBeGreaterThan(50);
    expect(fresh.computed.engagement).toBeLessThanOrEqual(100);
    const all = await waitForChanges(collector, 'engaged', (list) => list.length === 2);
    expect(all.map((c) => [c.change, c.reason])).toEqual([
      ['entered', 'event'],
      ['exited', 'time'],
    ]);
    // 100 points halve to 50 after one half-life: below 50 from then on.
    const lag = lagOf(all[1]!.at, at + 2000);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(TIME_CHANGE_GUARANTEE_MS);
    expect((await profile(collector, 'anonymousId:c')).computed.engagement).toBeLessThan(50);
  });

  it('still exits, once, when the collector restarts between the enter and the due exit', async () => {
    const first = await startTestCollector();
    dirs.push(first.dir);
    await create(first, '/v1/audiences', {
      key: 'pinged',
      name: 'Pinged in the last 3 s',
      condition: { event: 'Ping', within: '3s' },
    });
    const at = Date.now();
    await send(first, trackAt('d', 'Ping', at));
    await first.close();
    const second = await start({ db: join(first.dir, 'exhaust.db') });
    const all = await waitForChanges(second, 'pinged', (list) => list.length >= 2);
    expect(lagOf(all[1]!.at, at + WINDOW_MS)).toBeLessThan(TIME_CHANGE_GUARANTEE_MS);
    // Give a second exit every chance to appear: it must not.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await changes(second, 'pinged')).map((c) => [c.change, c.reason, c.seq])).toEqual([
      ['entered', 'event', 1],
      ['exited', 'time', 2],
    ]);
  });
});
