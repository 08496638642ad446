/**
 * Admin routes take `Authorization: Bearer <admin key>`. A write key is public
 * (it ships in web pages), so it can never read: it gets 403, an unknown key 401.
 */
import { createMiddleware } from 'hono/factory';
import { credentialsOf, type Keyring } from '../auth/keyring.js';
import { ApiError } from '../errors.js';

export function requireAdmin(keyring: Keyring) {
  return createMiddleware(async (_c, next) => {
    const credentials = credentialsOf(_c.req.header('authorization'));
    const owner = credentials ? keyring.identify(credentials.key) : null;
    if (owner?.kind === 'admin') return next();
    if (owner?.kind === 'source') {
      throw new ApiError(403, 'forbidden', 'a write key cannot read; use an admin key');
    }
    throw new ApiError(401, 'unauthorized', 'send an admin key as Authorization: Bearer <key>', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  });
}
