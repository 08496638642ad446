import type { BatchRequest, IngestResponse } from '@exhaust/schema';
import { MAX_BEACON_BYTES, MAX_EVENT_BYTES } from '@exhaust/schema/constants';
import { describe, expect, it } from 'vitest';
import { createAttemptLimit } from './attempt-limit.js';
import { HttpStatusError, NetworkError } from './errors.js';
import type { QueuedEvent, Scheduler, Transport } from './ports.js';
import { createQueue, type DropReason, type QueueOptions } from './queue.js';
import { createMemoryStorage } from './storage.js';
import { fastBackoff, queued, type Step, scriptedTransport, spiedStorage } from './test-helpers.js';
import { utf8Length } from './utf8.js';

function setup(steps: Step[], options: Partial<QueueOptions> = {}) {
  const scripted = scriptedTransport(...steps);
  const storage = options.storage ?? createMemoryStorage();
  const drops: { ids: string[]; reason: DropReason }[] = [];
  const queue = createQueue({
    storage,
    transport: scripted.transport,
    backoff: fastBackoff,
    flushIntervalMs: 60_000,
    flushAt: 1_000_000,
    flushRetries: 10,
    onDrop: (events, reason) => drops.push({ ids: events.map((event) => event.id), reason }),
    ...options,
  });
  return { ...scripted, storage, queue, drops };
}

const enqueueMany = (queue: { enqueue(event: QueuedEvent): void }, count: number, message = {}) => {
  const events = Array.from({ length: count }, () => queued({}, message));
  for (const event of events) queue.enqueue(event);
  return events;
};

describe('createQueue', () => {
  it('sends everything once, in batches of at most maxBatchEvents, and empties storage', async () => {
    const { queue, calls, delivered, storage } = setup(['ok'], { maxBatchEvents: 100 });
    const events = enqueueMany(queue, 250);
    await queue.flush();
    expect(calls.map((call) => call.body.batch.length)).toEqual([100, 100, 50]);
    expect(events.every((event) => delivered.get(event.id) === 1)).toBe(true);
    expect(await storage.list()).toEqual([]);
    expect(queue.size()).toBe(0);
  });

  it('keeps each request under maxBatchBytes, counting UTF-8 bytes', async () => {
    const maxBatchBytes = 8 * 1024;
    const { queue, calls, delivered } = setup(['ok'], { maxBatchBytes });
    const events = enqueueMany(queue, 60, { properties: { text: 'é'.repeat(300) } });
    await queue.flush();
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(utf8Length(JSON.stringify(call.body))).toBeLessThanOrEqual(maxBatchBytes);
    expect(events.every((event) => delivered.get(event.id) === 1)).toBe(true);
  });

  it('stamps sentAt on the envelope at send time, leaving stored messages untouched', async () => {
    const { queue, calls } = setup(['ok'], { now: () => Date.parse('2026-11-25T10:00:00Z') });
    enqueueMany(queue, 2);
    await queue.flush();
    const body = calls[0]!.body;
    expect(body.sentAt).toBe('2026-11-25T10:00:00.000Z');
    expect(body.batch.map((message) => message.sentAt)).toEqual([undefined, undefined]);
  });

  it('retries 500 three times, then delivers everything exactly once', async () => {
    const { queue, calls, delivered, storage } = setup([500, 500, 500, 'ok']);
    const events = enqueueMany(queue, 30);
    await queue.flush();
    expect(calls).toHaveLength(4);
    expect(events.every((event) => delivered.get(event.id) === 1)).toBe(true);
    expect(await storage.list()).toEqual([]);
  });

  it('retries network errors, 408 and 429', async () => {
    const { queue, calls, delivered } = setup(['network', 408, 429, 'ok']);
    const [event] = enqueueMany(queue, 1);
    await queue.flush();
    expect(calls).toHaveLength(4);
    expect(delivered.get(event!.id)).toBe(1);
  });

  it('resolves flush() after flushRetries failures, keeping the events stored for later', async () => {
    const { queue, calls, storage, drops } = setup(['network'], { flushRetries: 2 });
    enqueueMany(queue, 3);
    await queue.flush();
    expect(calls).toHaveLength(3);
    expect(await storage.list()).toHaveLength(3);
    expect(drops).toEqual([]);
  });

  it('drops events after maxAttempts failed sends, and says why', async () => {
    const { queue, storage, drops } = setup(['network'], { onRetry: createAttemptLimit(2).onRetry });
    const events = enqueueMany(queue, 2);
    await queue.flush();
    expect(drops).toEqual([{ ids: events.map((event) => event.id), reason: 'retries_exhausted' }]);
    expect(await storage.list()).toEqual([]);
  });

  it('drops only the events the collector rejected in its 200 answer, without retrying them', async () => {
    const rejectSecond: Step = (body) => ({
      success: true,
      accepted: body.batch.length - 1,
      duplicates: 0,
      suppressed: 0,
      rejected: [{ index: 1, messageId: body.batch[1]!.messageId!, code: 'invalid_field', path: [], message: 'x' }],
    });
    const { queue, calls, delivered, drops, storage } = setup([rejectSecond, 'ok']);
    const events = enqueueMany(queue, 3);
    await queue.flush();
    expect(calls).toHaveLength(1);
    expect(drops).toEqual([{ ids: [events[1]!.id], reason: 'rejected' }]);
    expect([...delivered.keys()]).toEqual([events[0]!.id, events[2]!.id]);
    expect(await storage.list()).toEqual([]);
  });

  it('splits a batch answered 413 until the pieces fit', async () => {
    const small: Step = (body) => (body.batch.length > 2 ? 413 : 200);
    const { queue, delivered, drops } = setup([small]);
    const events = enqueueMany(queue, 9);
    await queue.flush();
    expect(events.every((event) => delivered.get(event.id) === 1)).toBe(true);
    expect(drops).toEqual([]);
  });

  it('isolates a poison event answered 400 by bisecting: only it is dropped', async () => {
    let poison = '';
    const refusePoison: Step = (body) => (body.batch.some((message) => message.messageId === poison) ? 400 : 200);
    const { queue, delivered, drops } = setup([refusePoison]);
    const events = enqueueMany(queue, 10);
    poison = events[6]!.id;
    await queue.flush();
    expect(drops).toEqual([{ ids: [poison], reason: 'http_status' }]);
    expect(events.filter((event) => event.id !== poison).every((event) => delivered.get(event.id) === 1)).toBe(true);
    expect(delivered.has(poison)).toBe(false);
  });

  it('drops a whole batch on 401 (resending cannot help) without bisecting', async () => {
    const { queue, calls, drops } = setup([401]);
    enqueueMany(queue, 4);
    await queue.flush();
    expect(calls).toHaveLength(1);
    expect(drops[0]?.reason).toBe('http_status');
    expect(drops[0]?.ids).toHaveLength(4);
  });

  it('bounds the stored count: oldest dropped first, counted, and reported with the next batch', async () => {
    const storage = createMemoryStorage();
    const base = Date.now();
    await storage.putMany(
      Array.from({ length: 8 }, (_, index) => queued({ id: `old-${index}`, capturedAt: base + index })),
    );
    const { queue, calls, drops } = setup(['ok'], { storage, maxQueueEvents: 5 });
    await queue.flush();
    expect(drops).toEqual([{ ids: ['old-0', 'old-1', 'old-2'], reason: 'queue_full' }]);
    expect(calls[0]!.body.dropped).toBe(3);
    expect(calls[0]!.body.batch.map((message) => message.messageId)).toEqual([
      'old-3',
      'old-4',
      'old-5',
      'old-6',
      'old-7',
    ]);
    enqueueMany(queue, 1);
    await queue.flush();
    expect(calls[1]!.body.dropped).toBeUndefined();
  });

  it('drops events older than maxEventAgeMs', async () => {
    const storage = createMemoryStorage();
    const now = Date.parse('2026-11-25T10:00:00Z');
    await storage.putMany([
      queued({ id: 'stale', capturedAt: now - 2000 }),
      queued({ id: 'fresh', capturedAt: now - 10 }),
    ]);
    const { queue, delivered, drops } = setup(['ok'], { storage, now: () => now, maxEventAgeMs: 1000 });
    await queue.flush();
    expect(drops).toEqual([{ ids: ['stale'], reason: 'expired' }]);
    expect([...delivered.keys()]).toEqual(['fresh']);
  });

  it('an event too large for the collector costs only itself (rejected in the answer, then dropped)', async () => {
    // Like the collector: events over MAX_EVENT_BYTES are rejected one by one in a 200 answer.
    const collectorLike: Step = (body) => ({
      success: true,
      accepted: 0,
      duplicates: 0,
      suppressed: 0,
      rejected: body.batch.flatMap((message, index) =>
        JSON.stringify(message).length > MAX_EVENT_BYTES
          ? [{ index, messageId: message.messageId!, code: 'event_too_large' as const, path: [], message: 'too large' }]
          : [],
      ),
    });
    const { queue, drops, delivered } = setup([collectorLike]);
    const [small] = enqueueMany(queue, 1);
    const [big] = enqueueMany(queue, 1, { properties: { blob: 'x'.repeat(40 * 1024) } });
    await queue.flush();
    expect(drops).toEqual([{ ids: [big!.id], reason: 'rejected' }]);
    expect(delivered.get(small!.id)).toBe(1);
    expect(delivered.has(big!.id)).toBe(false);
  });

  it('never touches storage on the enqueue path; writes behind in small batches', async () => {
    const { storage, log } = spiedStorage();
    const { queue } = setup(['network'], { storage, flushRetries: 0 });
    enqueueMany(queue, 120);
    expect(log).toEqual([]);
    await queue.flush();
    expect(log.slice(0, 3)).toEqual(['put:50', 'put:50', 'put:20']);
    expect((await storage.list()).length).toBe(120);
  });

  it('keeps working from memory when storage fails, losing nothing', async () => {
    const inner = createMemoryStorage();
    let broken = false;
    const failing = <T>(run: () => Promise<T>) => (broken ? Promise.reject(new Error('IndexedDB closed')) : run());
    const storage = {
      putMany: (events: QueuedEvent[]) => failing(() => inner.putMany(events)),
      removeMany: (ids: string[]) => failing(() => inner.removeMany(ids)),
      list: () => failing(() => inner.list()),
      clear: () => failing(() => inner.clear()),
    };
    const errors: unknown[] = [];
    const { queue, delivered } = setup(['network', 'ok'], { storage, flushRetries: 0, onError: (e) => errors.push(e) });
    const early = enqueueMany(queue, 3);
    await queue.flush();
    broken = true;
    const late = enqueueMany(queue, 2);
    await queue.flush();
    expect([...early, ...late].every((event) => delivered.get(event.id) === 1)).toBe(true);
    expect(errors.some((error) => (error as Error).message === 'IndexedDB closed')).toBe(true);
  });

  it('sends what an earlier run left in storage when it starts', async () => {
    const storage = createMemoryStorage();
    await storage.putMany([queued({ id: 'left-1' }), queued({ id: 'left-2' })]);
    const { queue, delivered } = setup(['ok'], { storage });
    queue.start();
    await expect.poll(() => delivered.size).toBe(2);
    queue.stop();
    expect(await storage.list()).toEqual([]);
  });

  it('flushes on size once flushAt events wait', async () => {
    const { queue, delivered } = setup(['ok'], { flushAt: 5 });
    queue.start();
    enqueueMany(queue, 5);
    await expect.poll(() => delivered.size).toBe(5);
    queue.stop();
  });

  it('flushes on the interval', async () => {
    const { queue, delivered } = setup(['ok'], { flushIntervalMs: 5 });
    queue.start();
    enqueueMany(queue, 2);
    await expect.poll(() => delivered.size).toBe(2);
    queue.stop();
  });

  it('retries in the background with backoff until the collector recovers', async () => {
    const { queue, delivered, calls } = setup([503, 503, 'ok'], { flushAt: 1 });
    queue.start();
    enqueueMany(queue, 1);
    await expect.poll(() => delivered.size).toBe(1);
    queue.stop();
    expect(calls).toHaveLength(3);
  });

  it('two instances sharing storage and a lock deliver every event exactly once', async () => {
    const storage = createMemoryStorage();
    const { createLocalLock } = await import('./ports.js');
    const lock = createLocalLock();
    const { transport, delivered } = scriptedTransport('ok');
    const make = () => createQueue({ storage, transport, lock, backoff: fastBackoff, flushAt: 7, flushIntervalMs: 3 });
    const [first, second] = [make(), make()];
    first.start();
    second.start();
    const events = [...enqueueMany(first, 200), ...enqueueMany(second, 200)];
    await Promise.all([first.flush(), second.flush()]);
    await expect.poll(() => delivered.size).toBe(400);
    first.stop();
    second.stop();
    expect(events.every((event) => delivered.get(event.id) === 1)).toBe(true);
    expect(first.size() + second.size()).toBe(0);
  });

  it('purges matching events from memory and storage', async () => {
    const { queue, storage, delivered, drops } = setup(['network', 'ok'], { flushRetries: 0 });
    const marketing = enqueueMany(queue, 2).map((event) => Object.assign(event, { category: 'marketing' }));
    enqueueMany(queue, 2);
    await queue.flush();
    await queue.purge((event) => event.category === 'marketing');
    expect(drops).toEqual([{ ids: marketing.map((event) => event.id), reason: 'consent' }]);
    expect((await storage.list()).every((event) => event.category === 'analytics')).toBe(true);
    await queue.flush();
    expect(delivered.size).toBe(2);
  });

  it('clear() forgets everything', async () => {
    const { queue, storage } = setup(['network'], { flushRetries: 0 });
    enqueueMany(queue, 3);
    await queue.flush();
    await queue.clear();
    expect(await storage.list()).toEqual([]);
    expect(queue.size()).toBe(0);
  });

  it('flushKeepalive() calls the transport synchronously, once, within the beacon limit', () => {
    const { queue, calls } = setup(['ok']);
    enqueueMany(queue, 400, { properties: { text: 'x'.repeat(300) } });
    queue.flushKeepalive();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options).toEqual({ keepalive: true });
    expect(utf8Length(JSON.stringify(calls[0]!.body))).toBeLessThanOrEqual(MAX_BEACON_BYTES);
  });

  it('removes what a keepalive send got acknowledged', async () => {
    const { queue, storage, delivered } = setup(['ok']);
    enqueueMany(queue, 3);
    queue.flushKeepalive();
    await expect.poll(() => queue.size()).toBe(0);
    expect(delivered.size).toBe(3);
    await expect.poll(async () => (await storage.list()).length).toBe(0);
  });
});

/** Time that moves only when the test says so: `now()` and timers that fire on `advance`. */
function manualClock() {
  let clock = Date.parse('2026-11-25T10:00:00Z');
  const timers: { at: number; fn: () => void }[] = [];
  const scheduler: Scheduler = {
    setTimeout(fn, ms) {
      const timer = { at: clock + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimeout(handle) {
      const index = timers.indexOf(handle as (typeof timers)[number]);
      if (index >= 0) timers.splice(index, 1);
    },
  };
  return {
    now: () => clock,
    scheduler,
    /** Timers due at or after `at`. */
    dueFrom: (at: number) => timers.filter((timer) => timer.at >= at).length,
    /** Moves time on and fires what is due, in order (timers set meanwhile for now fire too). */
    advance(ms: number) {
      clock += ms;
      for (;;) {
        const due = timers.filter((timer) => timer.at <= clock).sort((a, b) => a.at - b.at)[0];
        if (!due) return;
        timers.splice(timers.indexOf(due), 1);
        due.fn();
      }
    },
  };
}

/** A transport that answers by `answers`, one per call, then 200. */
function answering(...answers: Error[]) {
  const calls: BatchRequest[] = [];
  const transport: Transport = {
    async send(body) {
      calls.push(body);
      const answer = answers.shift();
      if (answer) throw answer;
      return { success: true, accepted: body.batch.length, duplicates: 0, suppressed: 0, rejected: [] };
    },
  };
  return { transport, calls };
}

describe('flush() after the background loop was told to wait', () => {
  // Within FLUSH_MAX_WAIT_MS (10 s), which flush() waits out.
  const RETRY_AFTER_MS = 8000;

  function setupPaused(first: Error, options: Partial<QueueOptions> = {}) {
    const time = manualClock();
    const { transport, calls } = answering(first);
    const queue = createQueue({
      storage: createMemoryStorage(),
      transport,
      now: time.now,
      scheduler: time.scheduler,
      random: () => 0,
      flushIntervalMs: 60_000,
      ...options,
    });
    return { time, calls, queue };
  }

  it("waits out the collector's Retry-After before it sends, then delivers", async () => {
    const { time, calls, queue } = setupPaused(new HttpStatusError(429, RETRY_AFTER_MS));
    queue.start();
    queue.enqueue(queued());
    const start = time.now();
    time.advance(0);
    await expect.poll(() => calls.length).toBe(1);
    // The loop parked itself until the Retry-After.
    await expect.poll(() => time.dueFrom(start + RETRY_AFTER_MS)).toBe(1);

    let flushed = false;
    const flushing = queue.flush().then(() => {
      flushed = true;
    });
    // flush() parks too (a second timer at the same moment) instead of sending now.
    await expect.poll(() => time.dueFrom(start + RETRY_AFTER_MS)).toBe(2);
    expect(calls).toHaveLength(1);
    expect(flushed).toBe(false);

    time.advance(RETRY_AFTER_MS);
    await flushing;
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(queue.size()).toBe(0);
    queue.stop();
  });

  it('resolves at once, events still queued, when the pause ends beyond flushMaxWaitMs', async () => {
    const { time, calls, queue } = setupPaused(new HttpStatusError(503, RETRY_AFTER_MS), { flushMaxWaitMs: 5000 });
    // The loop parked itself for 8 s: longer than this flush may wait.
    queue.start();
    queue.enqueue(queued());
    time.advance(0);
    await expect.poll(() => calls.length).toBe(1);
    await queue.flush();
    expect(calls).toHaveLength(1);
    expect(queue.size()).toBe(1);
    queue.stop();
  });

  it('tries at once after a network error: nobody asked for a pause (the browser may be back online)', async () => {
    const { time, calls, queue } = setupPaused(new NetworkError());
    queue.start();
    queue.enqueue(queued());
    time.advance(0);
    await expect.poll(() => calls.length).toBe(1);
    await queue.flush();
    expect(calls).toHaveLength(2);
    expect(queue.size()).toBe(0);
    queue.stop();
  });
});

/** A transport that holds every request until the test answers it: shows what is in flight at once. */
function heldTransport() {
  const held: { body: BatchRequest; answer(status?: number): void }[] = [];
  const sent: BatchRequest[] = [];
  const delivered = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const transport: Transport = {
    send(body) {
      sent.push(body);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      return new Promise<IngestResponse>((resolve, reject) => {
        held.push({
          body,
          answer(status = 200) {
            inFlight--;
            if (status !== 200) return reject(new HttpStatusError(status));
            for (const message of body.batch)
              delivered.set(message.messageId!, (delivered.get(message.messageId!) ?? 0) + 1);
            resolve({ success: true, accepted: body.batch.length, duplicates: 0, suppressed: 0, rejected: [] });
          },
        });
      });
    },
  };
  return { transport, held, sent, delivered, maxInFlight: () => maxInFlight };
}

describe('maxInFlightBatches', () => {
  it('keeps that many requests in flight, starts batches in capture order, delivers each event once', async () => {
    const http = heldTransport();
    const storage = createMemoryStorage();
    const queue = createQueue({
      storage,
      transport: http.transport,
      maxBatchEvents: 10,
      maxInFlightBatches: 4,
      flushIntervalMs: 60_000,
      flushAt: 1_000_000,
    });
    const events = enqueueMany(queue, 95);
    const flushing = queue.flush();
    // 10 batches: answered four at a time; a sender takes the next batch as soon as its request settles.
    for (const round of [4, 4, 2]) {
      await expect.poll(() => http.held.length).toBe(round);
      for (const request of http.held.splice(0)) request.answer();
    }
    await flushing;
    expect(http.maxInFlight()).toBe(4);
    expect(http.sent.flatMap((body) => body.batch.map((message) => message.messageId))).toEqual(
      events.map((event) => event.id),
    );
    expect(events.every((event) => http.delivered.get(event.id) === 1)).toBe(true);
    expect(await storage.list()).toEqual([]);
    expect(queue.size()).toBe(0);
  });

  it('a failed request stops new batches; the retry sends only what was not acknowledged; drops are reported once', async () => {
    const http = heldTransport();
    const storage = createMemoryStorage();
    const queue = createQueue({
      storage,
      transport: http.transport,
      backoff: fastBackoff,
      maxBatchEvents: 10,
      maxQueueEvents: 40,
      maxInFlightBatches: 3,
      flushIntervalMs: 60_000,
    });
    // Three more than the bound: the oldest three are dropped, the count reported on exactly one request.
    enqueueMany(queue, 43);
    let flushed = false;
    const flushing = queue.flush().then(() => {
      flushed = true;
    });
    await expect.poll(() => http.held.length).toBe(3);
    const [first, second, third] = http.held.splice(0);
    second!.answer(503);
    first!.answer();
    third!.answer();
    // Whatever was still started, the retry pass sends what is left; answer everything until flush() is done.
    while (!flushed) {
      await expect.poll(() => flushed || http.held.length > 0).toBe(true);
      for (const request of http.held.splice(0)) request.answer();
    }
    await flushing;
    // Four batches, each acknowledged once; only the failed one was sent twice.
    expect(http.sent).toHaveLength(5);
    expect([...http.delivered.values()].every((count) => count === 1)).toBe(true);
    expect(http.delivered.size).toBe(40);
    expect(http.sent.reduce((sum, body) => sum + (body.dropped ?? 0), 0)).toBe(3);
    expect(await storage.list()).toEqual([]);
  });
});
