import { describe, expect, it } from 'vitest';
import { buildMessage } from './message.js';

const options = {
  now: () => Date.parse('2026-11-25T10:00:00Z'),
  newId: () => 'id-1',
  library: { name: '@exhaust/browser', version: '0.1.0' },
};

describe('buildMessage', () => {
  it('adds messageId, timestamp at capture and context.library', () => {
    expect(buildMessage({ type: 'track', event: 'Viewed', anonymousId: 'a' }, options)).toEqual({
      type: 'track',
      event: 'Viewed',
      anonymousId: 'a',
      messageId: 'id-1',
      timestamp: '2026-11-25T10:00:00.000Z',
      context: { library: options.library },
    });
  });

  it('keeps a messageId and timestamp the caller gave', () => {
    const message = buildMessage(
      { type: 'track', event: 'E', userId: 'u', messageId: 'mine', timestamp: '2026-01-01T00:00:00.000Z' },
      options,
    );
    expect(message.messageId).toBe('mine');
    expect(message.timestamp).toBe('2026-01-01T00:00:00.000Z');
  });

  it("merges runtime context under the message's own; library always wins", () => {
    const message = buildMessage(
      { type: 'page', anonymousId: 'a', context: { locale: 'fr-FR', library: { name: 'x', version: '0' } } },
      { ...options, context: { locale: 'en-US', timezone: 'UTC' } },
    );
    expect(message.context).toEqual({ locale: 'fr-FR', timezone: 'UTC', library: options.library });
  });

  it('does not add sentAt (the queue does, at send)', () => {
    expect(buildMessage({ type: 'identify', userId: 'u' }, options)).not.toHaveProperty('sentAt');
  });
});
