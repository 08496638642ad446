/**
 * CORS for the ingest routes, per source. A preflight carries no credentials,
 * so it cannot name a source: it is allowed when ANY source allows the origin.
 * The real request is then checked against its own source's origins (403
 * `origin_not_allowed` otherwise). Allowed origins also see error answers, so
 * a browser SDK can tell a 400 (drop) from a network failure (retry).
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Keyring } from '../auth/keyring.js';
import { ApiError } from '../errors.js';

/** How long a browser may cache a preflight answer. */
export const PREFLIGHT_MAX_AGE_SECONDS = 24 * 60 * 60;
const ALLOWED_REQUEST_HEADERS = 'Authorization, Content-Type, Content-Encoding';
/** Answer headers a cross-origin SDK must read: a 429/503's Retry-After decides when it may retry. */
const EXPOSED_RESPONSE_HEADERS = 'Retry-After';

/** Set by the ingest route when the request's own source refuses its origin. */
export const ORIGIN_REFUSED = 'originRefused';

export function ingestCors(keyring: Keyring) {
  return createMiddleware<{ Variables: { [ORIGIN_REFUSED]: boolean } }>(async (c, next) => {
    const origin = c.req.header('origin');
    if (c.req.method === 'OPTIONS') {
      if (origin && !keyring.anySourceAllows(origin)) {
        throw new ApiError(403, 'origin_not_allowed', `origin ${origin} is not allowed by any source`);
      }
      if (origin) allowOrigin(c, origin);
      c.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      c.header(
        'Access-Control-Allow-Headers',
        c.req.header('access-control-request-headers') ?? ALLOWED_REQUEST_HEADERS,
      );
      c.header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      return c.body(null, 204);
    }
    await next();
    if (origin && !c.get(ORIGIN_REFUSED) && keyring.anySourceAllows(origin)) {
      c.res.headers.set('Access-Control-Allow-Origin', origin);
      c.res.headers.set('Access-Control-Expose-Headers', EXPOSED_RESPONSE_HEADERS);
      c.res.headers.append('Vary', 'Origin');
    }
  });
}

function allowOrigin(c: Context, origin: string): void {
  c.header('Access-Control-Allow-Origin', origin);
  c.header('Vary', 'Origin');
}
