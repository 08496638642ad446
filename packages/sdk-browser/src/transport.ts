/**
 * Fetch transport to the collector's `POST /v1/batch`. The body is JSON sent as
 * `text/plain` with the write key inside, so a cross-origin request needs no
 * CORS preflight and works with `sendBeacon` too.
 */
import { HttpStatusError, NetworkError, parseRetryAfter, type Transport } from '@exhaust/core';
import type { IngestResponse } from '@exhaust/schema';

export interface FetchTransportOptions {
  writeKey: string;
  /** Collector origin, e.g. `https://collect.example.com`. */
  host: string;
}

/**
 * `keepalive` sends go through `fetch(..., { keepalive: true })`, which outlives
 * the page and still reports the answer when the page stays; `sendBeacon` is the
 * fallback where that fetch is refused (then the answer is unknown and the events
 * stay stored until a later page gets them acknowledged: messageId makes that safe).
 *
 * @example createFetchTransport({ writeKey: 'wk_123', host: 'https://collect.example.com' })
 */
export function createFetchTransport({ writeKey, host }: FetchTransportOptions): Transport {
  const url = `${host.replace(/\/+$/, '')}/v1/batch`;
  return {
    async send(batch, options) {
      const body = JSON.stringify({ ...batch, writeKey });
      const keepalive = options?.keepalive;
      let response: Response;
      try {
        // NOTE: a string body goes as text/plain, a CORS-safelisted type: no preflight; cookies stay home (default).
        response = await fetch(url, { method: 'POST', body, keepalive });
      } catch (cause) {
        if (keepalive && navigator.sendBeacon?.(url, body)) return null;
        throw new NetworkError(undefined, { cause });
      }
      if (!response.ok) {
        throw new HttpStatusError(response.status, parseRetryAfter(response.headers.get('retry-after'), Date.now()));
      }
      const answer = (await response.json().catch(() => null)) as IngestResponse | null;
      // A 2xx whose body we cannot read still acknowledges the whole batch.
      return answer?.rejected ? answer : { success: true, accepted: batch.batch.length, duplicates: 0, rejected: [] };
    },
  };
}
