/**
 * Admin routes take `Authorization: Bearer <admin key>`, nothing else: no
 * header, another scheme (an admin key as Basic included) or an unknown key
 * is 401. A write key is public (it ships in web pages), so it can never
 * read: as Bearer it gets 403. A sender key only checks subscriptions and
 * reports bounces (`requireSender`): anywhere else it gets 403 too.
 */
import { createMiddleware } from 'hono/factory';
import { credentialsOf, type Keyring } from '../auth/keyring.js';
import { ApiError } from '../errors.js';

function requireBearer(keyring: Keyring, allowSender: boolean) {
  return createMiddleware(async (c, next) => {
    const credentials = credentialsOf(c.req.header('authorization'));
    const owner = credentials?.scheme === 'bearer' ? keyring.identify(credentials.key) : null;
    if (owner?.kind === 'admin' || (allowSender && owner?.kind === 'sender')) return next();
    if (owner?.kind === 'source') {
      throw new ApiError(403, 'forbidden', 'a write key cannot read; use an admin key');
    }
    if (owner?.kind === 'sender') {
      throw new ApiError(403, 'forbidden', 'a sender key can only check subscriptions and report; use an admin key');
    }
    const what = allowSender ? 'an admin or sender key' : 'an admin key';
    throw new ApiError(401, 'unauthorized', `send ${what} as Authorization: Bearer <key>`, {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  });
}

export const requireAdmin = (keyring: Keyring) => requireBearer(keyring, false);
/** Admin or sender key: the subscription check and report routes. */
export const requireSender = (keyring: Keyring) => requireBearer(keyring, true);
