/**
 * A full disk, for real: the collector's database lives on a small tmpfs that a
 * filler file fills. Needs `mount` (root); skipped loudly only where mounting is
 * refused, and never in CI as root.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statfsSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../../server.js';
import { basic, track } from '../../test/harness.js';
import { StoreError } from '../errors.js';
import { makeIncomingEvent } from '../store.contract.js';
import { SqliteEngine } from './engine.js';

/** Size of the filesystem under test: small enough to fill in a second, big enough for the migrated database. */
const TMPFS_SIZE = '8m';
/** Room left beside the filler, so that some ingests succeed before the disk is full. */
const SLACK_BYTES = 256 * 1024;
const EVENTS_PER_REQUEST = 20;
/** Requests sent before giving up on seeing the disk fill (each stores ~10-20 KB). */
const MAX_REQUESTS = 2_000;

const mountDir = mkdtempSync(join(tmpdir(), 'exhaust-tmpfs-'));
let mountRefused: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mountDir], { stdio: 'pipe' });
} catch (error) {
  mountRefused = String((error as { stderr?: Buffer }).stderr ?? error).trim();
  if (process.env.CI && process.getuid?.() === 0) {
    throw new Error(`disk-full test: mount -t tmpfs failed as root in CI: ${mountRefused}`);
  }
  console.warn(`SKIPPED disk-full test: cannot mount a tmpfs here (needs root): ${mountRefused}`);
}

let collector: RunningCollector | null = null;
afterAll(async () => {
  await collector?.close();
  if (mountRefused === null) execFileSync('umount', [mountDir]);
  rmSync(mountDir, { recursive: true, force: true });
});

/** Writes zeros until the filesystem refuses, then gives back `slack` bytes. Returns the filler's path. */
function fillDisk(slack: number): string {
  const file = join(mountDir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  if (slack > 0) truncateSync(file, Math.max(0, size - slack));
  return file;
}

const freeBytes = () => {
  const stats = statfsSync(mountDir);
  return stats.bavail * stats.bsize;
};

it.skipIf(mountRefused !== null)(
  'hands a full WAL back to the filesystem as soon as the operator frees some space',
  () => {
    const dir = join(mountDir, 'engine');
    mkdirSync(dir);
    const file = join(dir, 'exhaust.db');
    const engine = new SqliteEngine({ file });
    const ingest = () => engine.ingestGroup([Array.from({ length: 20 }, () => engine.prepare(makeIncomingEvent()))]);
    try {
      // ~3 MB of WAL, far below the autocheckpoint threshold: it all stays in the WAL file.
      while (statSync(`${file}-wal`).size < 3 * 1024 * 1024) expect(ingest()[0]?.ok).toBe(true);
      const walBytes = statSync(`${file}-wal`).size;

      const filler = fillDisk(0);
      const [refused] = ingest();
      expect(refused?.ok).toBe(false);
      expect(refused?.ok === false && refused.error).toMatchObject({ name: 'StoreError', code: 'store_unavailable' });
      expect(() => engine.ping()).toThrow(StoreError);

      // The operator frees less than the WAL holds.
      const freedBytes = 1024 * 1024;
      truncateSync(filler, statSync(filler).size - freedBytes);
      expect(ingest()[0]?.ok).toBe(true);
      expect(() => engine.ping()).not.toThrow();
      // The WAL was folded into the database and truncated: more room now than was freed.
      expect(statSync(`${file}-wal`).size).toBeLessThan(walBytes / 4);
      expect(freeBytes()).toBeGreaterThan(freedBytes);
      unlinkSync(filler);
    } finally {
      engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  60_000,
);

it.skipIf(mountRefused !== null)(
  'answers 503 store_unavailable on a full disk, loses no acknowledged event and recovers without a restart',
  async () => {
    const running = await startCollector({ port: 0, db: join(mountDir, 'data', 'exhaust.db'), logLevel: 'silent' });
    collector = running;
    const send = (batch: Record<string, unknown>[]) =>
      fetch(`${running.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(running.writeKey) },
        body: JSON.stringify({ batch }),
      });
    const health = async () => (await fetch(`${running.url}/healthz`)).status;
    const newBatch = () =>
      Array.from({ length: EVENTS_PER_REQUEST }, () => track({ properties: { note: 'x'.repeat(200) } }));

    expect(await health()).toBe(200);
    const filler = fillDisk(SLACK_BYTES);

    const acknowledged: string[] = [];
    let refused: { batch: Record<string, unknown>[]; res: Response } | null = null;
    for (let i = 0; i < MAX_REQUESTS && !refused; i++) {
      const batch = newBatch();
      const res = await send(batch);
      if (res.status === 200) acknowledged.push(...batch.map((event) => event.messageId as string));
      else if (res.status === 503) refused = { batch, res };
      else throw new Error(`unexpected ${res.status}: ${await res.text()}`);
    }
    if (!refused) throw new Error(`the disk never filled in ${MAX_REQUESTS} requests`);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(await refused.res.json()).toMatchObject({ error: { code: 'store_unavailable' } });
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThan(0);

    const sick = await fetch(`${running.url}/healthz`);
    expect(sick.status).toBe(503);
    expect(await sick.json()).toMatchObject({ error: { code: 'store_unavailable' } });
    // Still full: still refused, still unhealthy.
    expect((await send(newBatch())).status).toBe(503);
    expect(await health()).toBe(503);

    unlinkSync(filler);
    // The SDK's retry of the refused batch: stored now, and none of it was half-stored before.
    const retried = await send(refused.batch);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ accepted: EVENTS_PER_REQUEST, duplicates: 0 });
    acknowledged.push(...refused.batch.map((event) => event.messageId as string));
    expect(await health()).toBe(200);
    const after = newBatch();
    expect((await send(after)).status).toBe(200);
    acknowledged.push(...after.map((event) => event.messageId as string));

    const stored = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await fetch(`${running.url}/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: { authorization: `Bearer ${running.adminKey}` },
      });
      const body = (await page.json()) as { data: { messageId: string }[]; nextCursor: string | null };
      for (const event of body.data) stored.add(event.messageId);
      cursor = body.nextCursor;
    } while (cursor);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(stored.size).toBe(acknowledged.length);
  },
  60_000,
);
