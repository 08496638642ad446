import { describe, expect, it } from 'vitest';
import { createAttemptLimit } from './attempt-limit.js';
import type { QueuedEvent } from './ports.js';
import type { DropReason } from './queue.js';
import { queued } from './test-helpers.js';

function recorder() {
  const drops: { ids: string[]; reason: DropReason }[] = [];
  const drop = async (events: QueuedEvent[], reason: DropReason) => {
    if (events.length > 0) drops.push({ ids: events.map((event) => event.id), reason });
  };
  return { drops, drop };
}

describe('createAttemptLimit', () => {
  it('drops each event at its own maxAttempts-th failed send, as retries_exhausted', async () => {
    const limit = createAttemptLimit(2);
    const { drops, drop } = recorder();
    const [a, b] = [queued(), queued()];
    await limit.onRetry([a!], drop);
    expect(drops).toEqual([]);
    await limit.onRetry([a!, b!], drop);
    expect(drops).toEqual([{ ids: [a!.id], reason: 'retries_exhausted' }]);
    await limit.onRetry([b!], drop);
    expect(drops).toEqual([
      { ids: [a!.id], reason: 'retries_exhausted' },
      { ids: [b!.id], reason: 'retries_exhausted' },
    ]);
  });

  it('starts an event over once forgotten (it left the queue), and a dropped one is forgotten already', async () => {
    const limit = createAttemptLimit(2);
    const { drops, drop } = recorder();
    const event = queued();
    await limit.onRetry([event], drop);
    limit.forget([event.id]);
    await limit.onRetry([event], drop);
    expect(drops).toEqual([]);
    await limit.onRetry([event], drop);
    expect(drops).toHaveLength(1);
    // Counted from zero again after its drop: one more failure alone is not enough.
    await limit.onRetry([event], drop);
    expect(drops).toHaveLength(1);
  });
});
