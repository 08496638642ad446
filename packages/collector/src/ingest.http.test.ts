import type { IngestResponse, StoredEvent } from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector, track } from './test/harness.js';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector.stop();
});

describe('POST /v1/batch -> GET /v1/events', () => {
  it('stores a batch and reads it back newest first', async () => {
    const messages = [track(), track({ event: 'Signed Up' })];
    const res = await collector.send('/v1/batch', { batch: messages, sentAt: new Date().toISOString() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      accepted: 2,
      duplicates: 0,
      rejected: [],
    } satisfies IngestResponse);

    const list = await collector.admin('/v1/events?limit=10');
    expect(list.status).toBe(200);
    const page = (await list.json()) as { data: StoredEvent[]; nextCursor: string | null };
    expect(page.data.map((e) => e.messageId).slice(0, 2)).toEqual([messages[1]?.messageId, messages[0]?.messageId]);

    const one = await collector.admin(`/v1/events/${messages[0]?.messageId}`);
    const stored = (await one.json()) as StoredEvent;
    expect(stored).toMatchObject({ messageId: messages[0]?.messageId, source: 'default', type: 'track' });
    expect(stored.message.receivedAt).toBe(stored.receivedAt);
    expect(stored.message.context?.ip).toBe('127.0.0.0');
  });
});
