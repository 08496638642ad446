/**
 * The Node SDK's durable event storage: an append-only log on local disk,
 * mirrored in memory so `list()` never reads the disk. Implements the core's
 * `EventStorage` port; the core's queue decides what to write and when to
 * remove (only after the collector acknowledged, or finally refused).
 *
 * What survives what:
 * - An event is "on disk" once the `putMany` that carries it resolved (the
 *   queue writes behind, up to 50 events per write, on the tick after
 *   `track()`; `await client.flush()` implies it). From then on it survives a
 *   crash of the process (SIGKILL, OOM, uncaught exception): the bytes are in
 *   the kernel's page cache.
 * - Power loss or a kernel crash loses what the kernel had not written back
 *   yet (Linux: up to ~30 s) unless `sync: true`, which makes every write
 *   `fdatasync` before `putMany` resolves.
 * - An acknowledged event whose delete record did not reach the disk is sent
 *   again after a restart; the collector dedupes it by messageId.
 * - A torn last line (the process died mid-append) is ignored; every record
 *   carries a checksum, so garbled bytes are never mistaken for an event.
 */

import { type FileHandle, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type QueuedEvent, SdkError } from '@exhaust/core';
import { encodeRecord, parseLog } from './buffer-log.js';
import { acquireDirLock, type DirLock } from './dir-lock.js';

/** Default bound of the buffered events, counted as the bytes of their log records. */
export const BUFFER_MAX_BYTES = 64 * 1024 * 1024;
/** Garbage (acknowledged records) below this never triggers a rewrite of the log. */
export const COMPACT_MIN_BYTES = 1024 * 1024;
/** Versioned names: a future format gets new files instead of misreading these. */
const SEGMENT_PATTERN = /^events\.v1\.(\d+)\.log$/;
const segmentName = (seq: number) => `events.v1.${String(seq).padStart(8, '0')}.log`;
const LOCK_NAME = 'events.v1.lock';

export interface DiskBufferOptions {
  /** Folder of the log (created when missing). One client per folder at a time. */
  dir: string;
  /** Default {@link BUFFER_MAX_BYTES}. Beyond it the oldest events are dropped and counted. */
  maxBytes?: number;
  /** `fdatasync` every write, so a power loss keeps what `putMany` accepted. Default false. */
  sync?: boolean;
  /** Events evicted to stay within `maxBytes`. */
  onDrop?: (events: QueuedEvent[]) => void;
}

export interface DiskBufferStats {
  /** Events buffered now. */
  events: number;
  /** Bytes of their records (what `maxBytes` bounds). */
  bytes: number;
  /** Size of the log file, garbage included. */
  fileBytes: number;
  /** Events evicted to stay within `maxBytes`, since this buffer opened. */
  dropped: number;
  /** Torn or garbled lines skipped when the log was read back. */
  corruptRecords: number;
}

export interface DiskBuffer {
  putMany(events: QueuedEvent[]): Promise<void>;
  removeMany(ids: string[]): Promise<void>;
  list(): Promise<QueuedEvent[]>;
  clear(): Promise<void>;
  /** Resolves when the log has been read back; rejects when the folder is unusable or held by another process. */
  ready(): Promise<void>;
  stats(): DiskBufferStats;
  /** Waits for pending writes, closes the log and releases the folder. Idempotent. */
  close(): Promise<void>;
}

type Entry = { event: QueuedEvent; bytes: number };

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * @example
 * const buffer = createDiskBuffer({ dir: '/var/lib/my-app/exhaust', maxBytes: 16 * 1024 * 1024 });
 * await buffer.ready();
 */
export function createDiskBuffer(options: DiskBufferOptions): DiskBuffer {
  const dir = resolve(options.dir);
  const maxBytes = options.maxBytes ?? BUFFER_MAX_BYTES;
  const compactMinBytes = Math.min(COMPACT_MIN_BYTES, maxBytes);
  const sync = options.sync === true;
  const entries = new Map<string, Entry>();
  let liveBytes = 0;
  let fileBytes = 0;
  let dropped = 0;
  let corruptRecords = 0;
  let seq = 0;
  let handle: FileHandle | null = null;
  let lock: DirLock | null = null;
  /** After a failed append the segment may end mid-record: the next write starts a fresh one. */
  let rewriteBeforeAppend = false;
  let closed = false;
  let closing: Promise<void> | null = null;

  // Every operation runs after the previous one: appends never interleave with a rewrite.
  let tail: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = tail.then(() => {
      if (closed) throw new SdkError('storage_failed', 'the disk buffer is closed');
      return fn();
    });
    tail = result.catch(() => {});
    return result;
  }

  function remember(event: QueuedEvent, bytes: number) {
    const previous = entries.get(event.id);
    if (previous) liveBytes -= previous.bytes;
    entries.set(event.id, { event, bytes });
    liveBytes += bytes;
  }

  function forget(id: string): boolean {
    const entry = entries.get(id);
    if (!entry) return false;
    entries.delete(id);
    liveBytes -= entry.bytes;
    return true;
  }

  /** Drops the oldest events until the bound holds; returns them. */
  function evict(): Entry[] {
    const evicted: Entry[] = [];
    for (const [id, entry] of entries) {
      if (liveBytes <= maxBytes) break;
      forget(id);
      evicted.push(entry);
    }
    dropped += evicted.length;
    return evicted;
  }

  async function syncDir() {
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.datasync();
    } finally {
      await dirHandle.close();
    }
  }

  /** Writes the live events to a new segment, atomically, and deletes the older ones. */
  async function rewrite() {
    const next = seq + 1;
    const file = join(dir, segmentName(next));
    const text = [...entries.values()].map(({ event }) => encodeRecord({ p: event })).join('');
    const temp = await open(`${file}.tmp`, 'w');
    try {
      await temp.writeFile(text);
      if (sync) await temp.datasync();
    } finally {
      await temp.close();
    }
    await rename(`${file}.tmp`, file);
    if (sync) await syncDir();
    const previous = handle;
    handle = null;
    await previous?.close();
    for (const name of await readdir(dir)) {
      const match = SEGMENT_PATTERN.exec(name);
      if (match && Number(match[1]) < next) await rm(join(dir, name), { force: true });
    }
    seq = next;
    handle = await open(file, 'a');
    fileBytes = byteLength(text);
    rewriteBeforeAppend = false;
  }

  async function append(text: string) {
    if (rewriteBeforeAppend || !handle) {
      await rewrite();
      return;
    }
    try {
      await handle.write(text);
      if (sync) await handle.datasync();
    } catch (error) {
      rewriteBeforeAppend = true;
      throw error;
    }
    fileBytes += byteLength(text);
    if (fileBytes - liveBytes > Math.max(liveBytes, compactMinBytes)) await rewrite();
  }

  const opened = (async () => {
    await mkdir(dir, { recursive: true });
    lock = await acquireDirLock(join(dir, LOCK_NAME));
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
      const match = SEGMENT_PATTERN.exec(name);
      if (!match) continue;
      seq = Math.max(seq, Number(match[1]));
      const { records, corrupt } = parseLog(await readFile(join(dir, name), 'utf8'));
      corruptRecords += corrupt;
      for (const record of records) {
        if ('p' in record) remember(record.p, byteLength(encodeRecord(record)));
        else for (const id of record.d) forget(id);
      }
    }
    const evicted = evict();
    // NOTE: a fresh segment on every start: no append ever lands after a torn line.
    await rewrite();
    if (evicted.length > 0) options.onDrop?.(evicted.map((entry) => entry.event));
  })();
  // The failure is reported by every operation (and by ready()); never as an unhandled rejection.
  opened.catch(() => {});
  tail = opened.catch(() => {});

  const afterOpen = <T>(fn: () => Promise<T>) =>
    serial(async () => {
      await opened;
      return fn();
    });

  return {
    putMany(events) {
      return afterOpen(async () => {
        const lines: string[] = [];
        const added: QueuedEvent[] = [];
        for (const event of events) {
          const line = encodeRecord({ p: event });
          remember(event, byteLength(line));
          lines.push(line);
          added.push(event);
        }
        const evicted = evict();
        const gone = new Set(evicted.map((entry) => entry.event.id));
        const earlier = evicted.filter((entry) => !added.includes(entry.event)).map((entry) => entry.event.id);
        let text = earlier.length > 0 ? encodeRecord({ d: earlier }) : '';
        added.forEach((event, index) => {
          if (!gone.has(event.id)) text += lines[index];
        });
        try {
          if (text !== '') await append(text);
        } catch (error) {
          for (const event of added) forget(event.id);
          throw new SdkError('storage_failed', `could not append to the disk buffer in ${dir}`, { cause: error });
        }
        if (evicted.length > 0) options.onDrop?.(evicted.map((entry) => entry.event));
      });
    },

    removeMany(ids) {
      return afterOpen(async () => {
        const removed = ids.filter((id) => forget(id));
        if (removed.length === 0) return;
        try {
          await append(encodeRecord({ d: removed }));
        } catch (error) {
          // Kept out of memory anyway: at worst the events are sent again after a restart (deduped).
          throw new SdkError('storage_failed', `could not record removals in ${dir}`, { cause: error });
        }
      });
    },

    list: () => afterOpen(async () => [...entries.values()].map((entry) => entry.event)),

    clear() {
      return afterOpen(async () => {
        entries.clear();
        liveBytes = 0;
        await rewrite();
      });
    },

    ready: () => opened,

    stats: () => ({ events: entries.size, bytes: liveBytes, fileBytes, dropped, corruptRecords }),

    close() {
      // Runs after every operation already asked for; anything asked later fails as closed.
      closing ??= serial(async () => {
        closed = true;
        await handle?.close().catch(() => {});
        handle = null;
        await lock?.release();
      }).catch(() => {});
      return closing;
    },
  };
}
