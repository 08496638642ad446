/**
 * Admin routes take `Authorization: Bearer <admin key>`, nothing else: no
 * header, another scheme (an admin key as Basic included) or an unknown key
 * is 401. A write key is public (it ships in web pages), so it can never
 * read: as Bearer it gets 403.
 */
import { createMiddleware } from 'hono/factory';
import { credentialsOf, type Keyring } from '../auth/keyring.js';
import { ApiError } from '../errors.js';

export function requireAdmin(keyring: Keyring) {
  return createMiddleware(async (c, next) => {
    const credentials = credentialsOf(c.req.header('authorization'));
    const owner = credentials?.scheme === 'bearer' ? keyring.identify(credentials.key) : null;
    if (owner?.kind === 'admin') return next();
    if (owner?.kind === 'source') {
      throw new ApiError(403, 'forbidden', 'a write key cannot read; use an admin key');
    }
    throw new ApiError(401, 'unauthorized', 'send an admin key as Authorization: Bearer <key>', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  });
}
