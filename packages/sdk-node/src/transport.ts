/**
 * The Node transport: global `fetch` (Node 20's undici, pooled keep-alive
 * connections) to the collector's `POST /v1/batch`, the write key as Basic auth
 * the way Segment's clients send it, the body optionally gzipped.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { NetworkError, parseRetryAfter, type Transport } from '@exhaust/core';
import type { ApiErrorBody, IngestResponse } from '@exhaust/schema';
import { CollectorStatusError } from './errors.js';

const gzip = promisify(gzipCallback);

/** Default time a request may take before it counts as a network failure (and is retried). */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface NodeTransportOptions {
  writeKey: string;
  /** Collector origin, e.g. `https://collect.example.com`. */
  host: string;
  /** Gzip request bodies. Default false. */
  gzip?: boolean;
  /** Default {@link REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  now?: () => number;
}

/**
 * @example createNodeTransport({ writeKey: 'wk_123', host: 'http://localhost:8787', gzip: true })
 */
export function createNodeTransport(options: NodeTransportOptions): Transport {
  const url = `${options.host.replace(/\/+$/, '')}/v1/batch`;
  const authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  return {
    async send(batch) {
      const json = JSON.stringify(batch);
      const headers: Record<string, string> = { 'content-type': 'application/json', authorization };
      let body: string | Uint8Array = json;
      if (options.gzip) {
        body = await gzip(json);
        headers['content-encoding'] = 'gzip';
      }
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        text = await response.text();
      } catch (cause) {
        throw new NetworkError(`request to ${url} failed`, { cause });
      }
      let answer: Partial<IngestResponse & ApiErrorBody> | null = null;
      try {
        answer = JSON.parse(text);
      } catch {
        // A proxy's HTML error page: the status alone decides.
      }
      if (!response.ok) {
        throw new CollectorStatusError(
          response.status,
          parseRetryAfter(response.headers.get('retry-after'), now()),
          answer?.error?.code ?? null,
        );
      }
      // A 2xx whose body we cannot read still acknowledges the whole batch.
      return Array.isArray(answer?.rejected)
        ? (answer as IngestResponse)
        : { success: true, accepted: batch.batch.length, duplicates: 0, suppressed: 0, rejected: [] };
    },
  };
}
