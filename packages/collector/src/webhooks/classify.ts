/**
 * What one attempt's result means: 2xx delivered; 410 the receiver is gone
 * (disable the endpoint); anything else retries while the schedule allows,
 * 429 and 5xx honouring `retry-after`. 3xx is a failure: redirects are never
 * followed (a redirect could point the collector anywhere).
 */

/** A finished attempt: a status, or an error before any status arrived. */
export type AttemptResult =
  | { statusCode: number; retryAfter: string | null }
  | { statusCode: null; error: 'timeout' | 'connection_error' | 'address_not_allowed' | 'invalid_url' };

export type Classification = { kind: 'delivered' } | { kind: 'gone' } | { kind: 'retry'; retryAfterMs: number | null };

/**
 * @example classifyAttempt({ statusCode: 503, retryAfter: '7' }, Date.now()) // { kind: 'retry', retryAfterMs: 7000 }
 */
export function classifyAttempt(result: AttemptResult, now: number): Classification {
  if (result.statusCode === null) return { kind: 'retry', retryAfterMs: null };
  const status = result.statusCode;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  if (status === 429 || status >= 500) return { kind: 'retry', retryAfterMs: parseRetryAfter(result.retryAfter, now) };
  return { kind: 'retry', retryAfterMs: null };
}

/** `retry-after` as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
