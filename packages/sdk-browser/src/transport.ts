/**
 * Fetch transport to the collector's `POST /v1/batch`. The body is JSON sent as
 * `text/plain` with the write key inside, so a cross-origin request needs no
 * CORS preflight (and no Authorization header, which keepalive requests could not send anyway).
 */
import { HttpStatusError, NetworkError, type Transport } from '@exhaust/core';
import type { IngestResponse } from '@exhaust/schema';

export interface FetchTransportOptions {
  writeKey: string;
  /** Collector origin, e.g. `https://collect.example.com`. */
  host: string;
}

/**
 * `keepalive` sends (page hide) use `fetch(..., { keepalive: true })`: the
 * browser's beacon path, which outlives the page like `sendBeacon` but still
 * reports the answer when the page stays (a tab switch), so acknowledged events
 * leave storage. When the page is gone first, they stay stored and the next page
 * sends them again; the collector dedupes by messageId.
 *
 * @example createFetchTransport({ writeKey: 'wk_123', host: 'https://collect.example.com' })
 */
export function createFetchTransport({ writeKey, host }: FetchTransportOptions): Transport {
  const url = `${host.replace(/\/+$/, '')}/v1/batch`;
  return {
    async send(batch, options) {
      // NOTE: a string body goes as text/plain, a CORS-safelisted type: no preflight; cookies stay home (default).
      const response = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ ...batch, writeKey }),
        keepalive: options?.keepalive,
      }).catch((cause) => {
        throw new NetworkError(undefined, { cause });
      });
      if (!response.ok) {
        // NOTE: delta-seconds only (what collectors send; `parseRetryAfter` in the core also reads HTTP dates):
        // every byte counts in the script tag, and a missing or unreadable header gives null.
        throw new HttpStatusError(response.status, Number(response.headers.get('retry-after')) * 1000 || null);
      }
      // A 2xx whose body we cannot read still acknowledges the whole batch (non-null: null means "unknown").
      return (await response.json().catch(() => ({}))) as IngestResponse;
    },
  };
}
