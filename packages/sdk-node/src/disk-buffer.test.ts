import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueuedEvent } from '@exhaust/core';
import type { JsonObject } from '@exhaust/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecord } from './buffer-log.js';
import { createDiskBuffer, type DiskBuffer } from './disk-buffer.js';
import { tempDir } from './test/harness.js';

let counter = 0;
function event(extra: JsonObject = {}): QueuedEvent {
  const id = `evt-${String(++counter).padStart(6, '0')}`;
  return {
    id,
    category: 'analytics',
    capturedAt: Date.now(),
    message: { type: 'track', event: 'Buffered', userId: 'u-1', messageId: id, properties: { ...extra } },
  };
}
const recordBytes = (e: QueuedEvent) => Buffer.byteLength(encodeRecord({ p: e }));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
function folder() {
  const dir = tempDir('exhaust-buffer-');
  cleanups.push(dir.remove);
  return dir.path;
}
function open(dir: string, options: { maxBytes?: number; sync?: boolean } = {}) {
  const dropped: QueuedEvent[] = [];
  const buffer = createDiskBuffer({ dir, ...options, onDrop: (events) => dropped.push(...events) });
  cleanups.push(() => buffer.close());
  return { buffer, dropped };
}
const ids = async (buffer: DiskBuffer) => (await buffer.list()).map((e) => e.id).sort();
const segments = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.log'));

describe('disk buffer', () => {
  it('keeps what was put and not removed across a reopen', async () => {
    const dir = folder();
    const { buffer } = open(dir);
    const events = [event(), event(), event()];
    await buffer.putMany(events);
    await buffer.removeMany([events[1]!.id]);
    await buffer.close();

    const { buffer: again } = open(dir);
    expect(await ids(again)).toEqual([events[0]!.id, events[2]!.id].sort());
    expect((await again.list()).find((e) => e.id === events[0]!.id)).toEqual(events[0]);
    expect(again.stats()).toMatchObject({ events: 2, corruptRecords: 0, dropped: 0 });
  });

  it('reads back a log left by a process that never closed it, with sync writes', async () => {
    const dir = folder();
    const { buffer } = open(dir, { sync: true });
    const events = [event(), event()];
    await buffer.putMany(events);
    // No close(): the lock file still names this process, as after a crash with the same pid.
    const lock = join(dir, 'events.v1.lock');
    const log = readFileSync(join(dir, segments(dir)[0]!), 'utf8');
    const copy = folder();
    writeFileSync(join(copy, 'events.v1.00000001.log'), log);
    writeFileSync(join(copy, 'events.v1.lock'), readFileSync(lock));
    const { buffer: restarted } = open(copy);
    expect(await ids(restarted)).toEqual(events.map((e) => e.id).sort());
  });

  it('drops the oldest events beyond maxBytes, counts and reports them', async () => {
    const dir = folder();
    const events = Array.from({ length: 10 }, () => event({ pad: 'x'.repeat(100) }));
    const maxBytes = recordBytes(events[0]!) * 4;
    const { buffer, dropped } = open(dir, { maxBytes });
    await buffer.putMany(events.slice(0, 3));
    await buffer.putMany(events.slice(3, 6));
    await buffer.putMany(events.slice(6));

    expect(await ids(buffer)).toEqual(
      events
        .slice(6)
        .map((e) => e.id)
        .sort(),
    );
    expect(dropped.map((e) => e.id)).toEqual(events.slice(0, 6).map((e) => e.id));
    expect(buffer.stats()).toMatchObject({ events: 4, dropped: 6 });
    expect(buffer.stats().bytes).toBeLessThanOrEqual(maxBytes);
    await buffer.close();

    const { buffer: again } = open(dir, { maxBytes });
    expect(await ids(again)).toEqual(
      events
        .slice(6)
        .map((e) => e.id)
        .sort(),
    );
  });

  it('drops the oldest on reopen when the bound was lowered', async () => {
    const dir = folder();
    const events = Array.from({ length: 5 }, () => event());
    const { buffer } = open(dir);
    await buffer.putMany(events);
    await buffer.close();
    const { buffer: smaller, dropped } = open(dir, { maxBytes: recordBytes(events[0]!) * 2 });
    expect(await ids(smaller)).toEqual(
      events
        .slice(3)
        .map((e) => e.id)
        .sort(),
    );
    expect(dropped.map((e) => e.id)).toEqual(events.slice(0, 3).map((e) => e.id));
  });

  it('ignores a torn last write and a garbled line, and keeps appending safely after them', async () => {
    const dir = folder();
    const { buffer } = open(dir);
    const events = [event(), event(), event()];
    await buffer.putMany(events);
    await buffer.close();
    const file = join(dir, segments(dir)[0]!);
    // A line whose bytes changed after its checksum was computed, then half a record with no newline.
    const garbled = encodeRecord({ p: event() }).replace('Buffered', 'Bufferex');
    const torn = encodeRecord({ p: event() });
    appendFileSync(file, garbled + torn.slice(0, torn.length / 2));

    const { buffer: reopened } = open(dir);
    expect(await ids(reopened)).toEqual(events.map((e) => e.id).sort());
    expect(reopened.stats().corruptRecords).toBe(2);
    const later = event();
    await reopened.putMany([later]);
    await reopened.close();

    const { buffer: third } = open(dir);
    expect(await ids(third)).toEqual([...events, later].map((e) => e.id).sort());
    expect(third.stats().corruptRecords).toBe(0);
  });

  it('rewrites the log when acknowledged records dominate, without losing live events', async () => {
    const dir = folder();
    const { buffer } = open(dir, { maxBytes: 64 * 1024 });
    const kept: string[] = [];
    for (let round = 0; round < 40; round++) {
      const events = Array.from({ length: 20 }, () => event({ pad: 'y'.repeat(50) }));
      await buffer.putMany(events);
      await buffer.removeMany(events.slice(1).map((e) => e.id));
      kept.push(events[0]!.id);
    }
    const { fileBytes, bytes } = buffer.stats();
    // Garbage never exceeds max(live, 64 KiB) for long: the log stays within twice the bound.
    expect(fileBytes).toBeLessThanOrEqual(bytes + Math.max(bytes, 64 * 1024) + 4096);
    expect(segments(dir)).toHaveLength(1);
    await buffer.close();
    const { buffer: again } = open(dir, { maxBytes: 64 * 1024 });
    expect(await ids(again)).toEqual(kept.sort());
  });

  it('refuses a folder another live client holds, and takes over a dead process lock', async () => {
    const dir = folder();
    const { buffer } = open(dir);
    await buffer.ready();
    const { buffer: second } = open(dir);
    await expect(second.ready()).rejects.toMatchObject({ code: 'storage_failed' });
    await expect(second.list()).rejects.toMatchObject({ code: 'storage_failed' });
    await buffer.putMany([event()]);
    await buffer.close();

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, 'events.v1.lock'), dead.stdout);
    const { buffer: third } = open(dir);
    expect(await third.list()).toHaveLength(1);
  });

  it('clear() forgets everything, on disk too', async () => {
    const dir = folder();
    const { buffer } = open(dir);
    await buffer.putMany([event(), event()]);
    await buffer.clear();
    expect(await buffer.list()).toEqual([]);
    await buffer.close();
    const { buffer: again } = open(dir);
    expect(await again.list()).toEqual([]);
  });
});
