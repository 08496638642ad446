import type { Message } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { consentRecordsOf } from './consent.js';

const track = (consent?: NonNullable<Message['context']>['consent']): Message => ({
  type: 'track',
  event: 'Product Added',
  anonymousId: 'a-1',
  timestamp: '2030-01-01T10:00:00.000Z',
  context: { consent },
});

describe('consentRecordsOf', () => {
  it.each([
    { name: 'no consent', message: track(), records: [] },
    {
      name: 'captured under a decision: one record per boolean category',
      message: track({ categoryPreferences: { analytics: true, marketing: false, odd: 'yes' as never } }),
      records: [
        { category: 'analytics', granted: true },
        { category: 'marketing', granted: false },
      ],
    },
    {
      // Its preferences are the decision made at `releasedAt`, not a choice at the event's time: the
      // decision is recorded by its own event (the browser's `Consent Preference Updated`) when it was made.
      name: 'captured while pending, released later: none',
      message: track({
        categoryPreferences: { analytics: true },
        capturedUnder: 'pending',
        releasedAt: '2030-01-01T10:00:30.000Z',
      }),
      records: [],
    },
  ])('$name', ({ message, records }) => {
    expect(consentRecordsOf(message)).toEqual(records);
  });
});
