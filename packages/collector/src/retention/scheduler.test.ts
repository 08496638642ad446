import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log.js';
import { startCollector } from '../server.js';
import { createSqliteStore } from '../store/sqlite/sqlite-store.js';
import { makeIncomingEvent } from '../store/store.contract.js';
import { basic } from '../test/harness.js';
import { createRetentionScheduler } from './scheduler.js';

const dir = mkdtempSync(join(tmpdir(), 'exhaust-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY_MS = 86_400_000;

describe('retention scheduler', () => {
  it('removes events older than now − retention, and logs one line per pass that removed something', async () => {
    const store = await createSqliteStore({ file: join(dir, 'scheduler.db'), mode: 'inline' });
    const now = Date.parse('2026-12-01T00:00:00.000Z');
    await store.ingest([
      makeIncomingEvent({ messageId: 'old', timestamp: '2026-09-01T00:00:00.000Z' }),
      makeIncomingEvent({ messageId: 'young', timestamp: '2026-11-01T00:00:00.000Z' }),
    ]);
    const lines: string[] = [];
    const scheduler = createRetentionScheduler({
      store,
      retentionMs: 60 * DAY_MS,
      now: () => now,
      logger: createLogger({ level: 'info', write: (line) => lines.push(line) }),
    });
    expect(await scheduler.runOnce()).toEqual({ events: 1, partitions: [] });
    expect(await store.getEvent('old')).toBeNull();
    expect(await store.getEvent('young')).not.toBeNull();
    expect(await scheduler.runOnce()).toEqual({ events: 0, partitions: [] });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'events removed by retention',
      before: '2026-10-02T00:00:00.000Z',
      events: 1,
    });
    await store.close();
  });

  it('runs on start in a collector configured with retention.events, and not without', async () => {
    const db = join(dir, 'collector.db');
    const writeKey = 'write-key-retention-0001';
    const adminKey = 'admin-key-retention-0001';
    const old = new Date(Date.now() - 100 * DAY_MS).toISOString();
    const recent = new Date(Date.now() - DAY_MS).toISOString();
    const config = { sources: [{ name: 'web', writeKey }], adminKeys: [adminKey] };
    const send = async (url: string, messageId: string, timestamp: string) =>
      fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(writeKey) },
        body: JSON.stringify({ type: 'track', event: 'Viewed', anonymousId: 'a-1', messageId, timestamp }),
      });
    const ids = async (url: string) => {
      const response = await fetch(`${url}/v1/events?limit=10`, { headers: { authorization: `Bearer ${adminKey}` } });
      return ((await response.json()) as { data: { messageId: string }[] }).data.map((e) => e.messageId);
    };

    const first = await startCollector({ port: 0, db, config, logLevel: 'silent' });
    expect((await send(first.url, 'old', old)).status).toBe(200);
    expect((await send(first.url, 'recent', recent)).status).toBe(200);
    expect(await ids(first.url)).toEqual(['recent', 'old']);
    await first.close();

    const second = await startCollector({
      port: 0,
      db,
      config: { ...config, retention: { events: '90d' } },
      logLevel: 'silent',
    });
    await vi.waitFor(async () => expect(await ids(second.url)).toEqual(['recent']), { timeout: 10_000 });
    await second.close();
  });
});
