/**
 * Sends one signed webhook request with node:http(s): never follows a
 * redirect, reads at most 1 KB of the answer, gives up after the timeout
 * (connect, headers and body together), and connects only to addresses the
 * guard allows. Answers what happened; deciding what it means is classify.ts.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import {
  ADDRESS_NOT_ALLOWED,
  type AddressPolicy,
  guardedLookup,
  isPrivateAddress,
  urlProblem,
} from './address-guard.js';
import type { AttemptResult } from './classify.js';
import { sign } from './sign.js';

/** Most bytes of a response body kept (and read). */
export const MAX_RESPONSE_BYTES = 1024;

export interface DeliveryRequest {
  id: string;
  url: string;
  payload: string;
  secrets: readonly string[];
}

export interface DeliveryOutcome {
  result: AttemptResult;
  durationMs: number;
  /** The first 1 KB of the body, when a response arrived. */
  response: string | null;
}

export interface Deliverer {
  deliver(request: DeliveryRequest): Promise<DeliveryOutcome>;
  /** Drops idle keep-alive sockets. */
  close(): void;
}

export interface DelivererOptions extends AddressPolicy {
  timeoutMs: number;
  userAgent: string;
  /** Epoch ms; default Date.now (the `webhook-timestamp` of each attempt). */
  now?: () => number;
}

export function createDeliverer(options: DelivererOptions): Deliverer {
  const lookup = guardedLookup(options);
  const now = options.now ?? Date.now;
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, lookup } as object),
    'https:': new HttpsAgent({ keepAlive: true, lookup } as object),
  };

  const deliver = (request: DeliveryRequest): Promise<DeliveryOutcome> => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refuse = (error: 'invalid_url' | 'address_not_allowed'): Promise<DeliveryOutcome> =>
      Promise.resolve({ result: { statusCode: null, error }, durationMs: elapsed(), response: null });
    if (urlProblem(request.url, options) !== null) return refuse('invalid_url');
    const url = new URL(request.url);
    // An IP literal skips `lookup`: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !options.allowPrivateNetworks && isPrivateAddress(literal)) {
      return refuse('address_not_allowed');
    }
    const body = Buffer.from(request.payload);
    const seconds = Math.floor(now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': options.userAgent,
      'webhook-id': request.id,
      'webhook-timestamp': String(seconds),
      'webhook-signature': sign(request.secrets, request.id, seconds, request.payload),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<DeliveryOutcome>((resolve) => {
      let settled = false;
      const finish = (result: AttemptResult, response: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ result, durationMs: elapsed(), response });
      };
      const req = send(url, {
        method: 'POST',
        headers,
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup,
      });
      const timer = setTimeout(() => {
        finish({ statusCode: null, error: 'timeout' }, null);
        req.destroy();
      }, options.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        finish(
          { statusCode: null, error: error.code === ADDRESS_NOT_ALLOWED ? 'address_not_allowed' : 'connection_error' },
          null,
        );
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const done = () => {
          const retryAfter = res.headers['retry-after'];
          finish(
            { statusCode: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null },
            Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
          );
        };
        res.on('data', (chunk: Buffer) => {
          if (kept >= MAX_RESPONSE_BYTES) return;
          chunks.push(chunk);
          kept += chunk.length;
          // Enough read: a receiver streaming a large body costs nothing more.
          if (kept >= MAX_RESPONSE_BYTES) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      });
      req.end(body);
    });
  };

  return {
    deliver,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
