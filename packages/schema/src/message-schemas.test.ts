import { describe, expect, it } from 'vitest';
import { batchEnvelopeSchema, messageSchema } from './message-schemas.js';

const base = { messageId: 'm-1', anonymousId: 'a-1', timestamp: '2026-11-25T10:00:00.000Z' };

describe('messageSchema', () => {
  it.each([
    { ...base, type: 'track', event: 'Order Completed', properties: { total: 12.5 } },
    { ...base, type: 'page', name: null, category: null, properties: {} },
    { ...base, type: 'screen', name: 'Home' },
    { ...base, type: 'identify', userId: 'u-1', traits: { email: 'A@B.co' } },
    { ...base, type: 'group', groupId: 'g-1', traits: { plan: 'pro' } },
    { ...base, type: 'alias', userId: 'u-1', previousId: 'a-1' },
    { ...base, type: 'track', event: 'x', timestamp: '2026-11-25T10:00:00+02:00', _metadata: { bundled: [] } },
    {
      ...base,
      type: 'track',
      event: 'Product Added',
      context: {
        consent: {
          categoryPreferences: { analytics: true },
          capturedUnder: 'pending',
          releasedAt: '2026-11-25T10:00:30.000Z',
        },
      },
    },
  ])('accepts a valid $type message and keeps unknown fields', (message) => {
    const result = messageSchema.safeParse(message);
    expect(result.success).toBe(true);
    expect(result.data).toEqual(message);
  });

  it.each([
    [{ ...base, type: 'track' }, ['event']],
    [{ ...base, type: 'track', event: '' }, ['event']],
    [{ ...base, type: 'group' }, ['groupId']],
    [{ ...base, type: 'alias', userId: 'u-1' }, ['previousId']],
    [{ ...base, type: 'track', event: 'x', timestamp: 'yesterday' }, ['timestamp']],
    [{ ...base, type: 'track', event: 'x', properties: [] }, ['properties']],
    [
      { ...base, type: 'identify', context: { consent: { categoryPreferences: { ads: 'yes' } } } },
      ['context', 'consent', 'categoryPreferences', 'ads'],
    ],
    [
      { ...base, type: 'track', event: 'x', context: { consent: { capturedUnder: 'granted' } } },
      ['context', 'consent', 'capturedUnder'],
    ],
    [
      { ...base, type: 'track', event: 'x', context: { consent: { releasedAt: 'later' } } },
      ['context', 'consent', 'releasedAt'],
    ],
    [{ ...base, type: 'unknown' }, ['type']],
  ])('rejects %j naming the field', (message, path) => {
    const result = messageSchema.safeParse(message);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });
});

describe('batchEnvelopeSchema', () => {
  it('needs a batch array', () => {
    expect(batchEnvelopeSchema.safeParse({ batch: [] }).success).toBe(true);
    expect(batchEnvelopeSchema.safeParse({ events: [] }).success).toBe(false);
    expect(batchEnvelopeSchema.safeParse({ batch: {} }).success).toBe(false);
  });
});
