// Test doubles shared by the core's unit tests (not exported from the package).
import type { BatchRequest, IngestResponse, Message } from '@exhaust/schema';
import { HttpStatusError, NetworkError } from './errors.js';
import type { EventStorage, QueuedEvent, SendOptions, Transport } from './ports.js';
import { createMemoryStorage } from './storage.js';

export type Step = 'ok' | 'network' | number | ((batch: BatchRequest) => IngestResponse | number | 'network');

/** A transport that answers by script: each call takes the next step; the last step repeats. */
export function scriptedTransport(...steps: Step[]) {
  const calls: { body: BatchRequest; options: SendOptions | undefined }[] = [];
  const delivered = new Map<string, number>();
  const transport: Transport = {
    async send(body, options) {
      calls.push({ body: JSON.parse(JSON.stringify(body)), options });
      const step = steps.length > 1 ? steps.shift()! : (steps[0] ?? 'ok');
      const answer = typeof step === 'function' ? step(body) : step;
      if (answer === 'network') throw new NetworkError();
      if (typeof answer === 'number' && answer !== 200) throw new HttpStatusError(answer, null);
      const response: IngestResponse =
        typeof answer === 'object'
          ? answer
          : { success: true, accepted: body.batch.length, duplicates: 0, suppressed: 0, rejected: [] };
      const rejected = new Set(response.rejected.map((entry) => entry.index));
      body.batch.forEach((message, index) => {
        if (rejected.has(index)) return;
        delivered.set(message.messageId!, (delivered.get(message.messageId!) ?? 0) + 1);
      });
      return response;
    },
  };
  return { transport, calls, delivered };
}

let counter = 0;
export function queued(overrides: Partial<QueuedEvent> = {}, message: Partial<Message> = {}): QueuedEvent {
  const id = overrides.id ?? `m-${++counter}`;
  return {
    id,
    category: 'analytics',
    capturedAt: Date.now(),
    ...overrides,
    message: { type: 'track', event: 'Tested', anonymousId: 'a-1', messageId: id, ...message } as Message,
  };
}

/** Memory storage that records every call, to check what the queue writes and when. */
export function spiedStorage(inner: EventStorage = createMemoryStorage()) {
  const log: string[] = [];
  const storage: EventStorage = {
    async putMany(events) {
      log.push(`put:${events.length}`);
      await inner.putMany(events);
    },
    async removeMany(ids) {
      log.push(`remove:${ids.length}`);
      await inner.removeMany(ids);
    },
    list: () => inner.list(),
    clear: () => inner.clear(),
  };
  return { storage, log };
}

export const fastBackoff = { baseMs: 1, maxMs: 2 };
