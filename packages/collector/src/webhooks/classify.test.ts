import { describe, expect, it } from 'vitest';
import { type AttemptResult, type Classification, classifyAttempt, parseRetryAfter } from './classify.js';

const NOW = Date.UTC(2026, 0, 1);

describe('classifyAttempt', () => {
  it.each<[string, AttemptResult, Classification]>([
    ['200', { statusCode: 200, retryAfter: null }, { kind: 'delivered' }],
    ['204', { statusCode: 204, retryAfter: null }, { kind: 'delivered' }],
    ['301 is a failure', { statusCode: 301, retryAfter: null }, { kind: 'retry', retryAfterMs: null }],
    ['307 is a failure', { statusCode: 307, retryAfter: null }, { kind: 'retry', retryAfterMs: null }],
    ['400', { statusCode: 400, retryAfter: '5' }, { kind: 'retry', retryAfterMs: null }],
    ['410 gone', { statusCode: 410, retryAfter: null }, { kind: 'gone' }],
    ['429 with seconds', { statusCode: 429, retryAfter: '7' }, { kind: 'retry', retryAfterMs: 7000 }],
    [
      '503 with a date',
      { statusCode: 503, retryAfter: new Date(NOW + 60_000).toUTCString() },
      { kind: 'retry', retryAfterMs: 60_000 },
    ],
    ['500 without', { statusCode: 500, retryAfter: null }, { kind: 'retry', retryAfterMs: null }],
    ['timeout', { statusCode: null, error: 'timeout' }, { kind: 'retry', retryAfterMs: null }],
    ['refused', { statusCode: null, error: 'connection_error' }, { kind: 'retry', retryAfterMs: null }],
  ])('%s', (_name, result, expected) => {
    expect(classifyAttempt(result, NOW)).toEqual(expected);
  });

  it('reads retry-after leniently', () => {
    expect(parseRetryAfter(' 12 ', NOW)).toBe(12_000);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });
});
