/** What to do with a batch after an HTTP answer. */
export type StatusClass = 'ok' | 'retry' | 'drop';

/**
 * Decides from the HTTP status alone: 2xx `ok`; 408, 429 and 5xx `retry`
 * (the collector or a proxy may recover); any other status `drop` (resending
 * the same bytes will get the same answer).
 *
 * @example classifyStatus(503) // 'retry'
 */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return 'retry';
  return 'drop';
}
