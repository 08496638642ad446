/**
 * Real processes using the SDK: killed with SIGKILL between capture and
 * acknowledgement (disk buffer on), shut down and left to exit on their own,
 * stopped by SIGTERM, or simply ending with `handleSignals` on.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  spawnChild,
  startTestCollector,
  storedEvents,
  type TestCollector,
  tempDir,
  waitFor,
} from './test/harness.js';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector.stop();
});

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const storedIds = async (prefix: string) =>
  (await storedEvents(collector, 'Child Event'))
    .map((event) => event.messageId)
    .filter((id) => id.startsWith(`${prefix}-`));

describe('SDK in a real process', { timeout: 90_000 }, () => {
  it('keeps events captured before a SIGKILL on disk and sends them, once, after a restart', async () => {
    const dir = tempDir('exhaust-node-crash-');
    try {
      const unreachable = `http://127.0.0.1:${await freePort()}`;
      const crashed = spawnChild({
        host: unreachable,
        writeKey: collector.writeKey,
        bufferDir: dir.path,
        count: 300,
        prefix: 'crash',
        finish: 'flush-then-idle',
      });
      const flushed = await crashed.step('flushed');
      // Captured, not acknowledged: the collector is unreachable, the events wait on disk.
      expect(flushed).toMatchObject({ pending: 300, buffered: 300, dropped: 0 });
      crashed.process.kill('SIGKILL');
      expect(await crashed.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // The dead process still "holds" the folder: its lock file names it.
      expect(readdirSync(dir.path)).toContain('events.v1.lock');

      const restarted = spawnChild({
        host: collector.url,
        writeKey: collector.writeKey,
        bufferDir: dir.path,
        count: 1,
        prefix: 'after-crash',
        finish: 'shutdown',
      });
      expect(await restarted.step('shut-down')).toMatchObject({ pending: 0, dropped: 0 });
      expect(await restarted.exited).toEqual({ code: 0, signal: null });

      const stored = await storedIds('crash');
      expect(stored.sort()).toEqual(ids('crash', 300).sort());
      expect(await storedIds('after-crash')).toEqual(['after-crash-0']);
      // The buffer was sent first: nothing from before the crash was received after the new event.
      const events = await storedEvents(collector, 'Child Event');
      const newest = events.find((event) => event.messageId === 'after-crash-0')!;
      const crashEvents = events.filter((event) => event.messageId.startsWith('crash-'));
      expect(crashEvents.every((event) => event.receivedAt <= newest.receivedAt)).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it('exits on its own after shutdown(), with every event delivered', async () => {
    const child = spawnChild({
      host: collector.url,
      writeKey: collector.writeKey,
      count: 250,
      prefix: 'shutdown',
      finish: 'shutdown',
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(await child.step('shut-down')).toMatchObject({ pending: 0 });
    expect((await storedIds('shutdown')).sort()).toEqual(ids('shutdown', 250).sort());
  });

  it('exits on its own after shutdown() even when the collector is unreachable', async () => {
    const child = spawnChild({
      host: `http://127.0.0.1:${await freePort()}`,
      writeKey: collector.writeKey,
      count: 10,
      prefix: 'unreachable',
      finish: 'shutdown',
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(await child.step('shut-down')).toMatchObject({ pending: 10 });
  });

  it('never keeps an idle process alive: a script that only creates a client ends', async () => {
    const child = spawnChild({
      host: collector.url,
      writeKey: collector.writeKey,
      count: 0,
      prefix: 'idle',
      finish: 'end',
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('with handleSignals, flushes every client on SIGTERM and then ends by the signal', async () => {
    const child = spawnChild({
      host: collector.url,
      writeKey: collector.writeKey,
      handleSignals: true,
      count: 40,
      clients: 2,
      prefix: 'sigterm',
      finish: 'wait-signal',
    });
    await child.step('waiting');
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect((await storedIds('sigterm')).sort()).toEqual(ids('sigterm', 40).sort());
    expect((await storedIds('sigtermx1')).sort()).toEqual(ids('sigtermx1', 40).sort());
  });

  it('with handleSignals, a script that just ends still delivers (beforeExit) and exits', async () => {
    const child = spawnChild({
      host: collector.url,
      writeKey: collector.writeKey,
      handleSignals: true,
      count: 30,
      prefix: 'before-exit',
      finish: 'end',
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    await waitFor(async () => (await storedIds('before-exit')).length === 30, 'the beforeExit flush');
  });
});
