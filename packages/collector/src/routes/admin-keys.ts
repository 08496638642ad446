/**
 * The admin key API (admin key; the guard is applied by the app): list,
 * create and revoke admin keys. The last active admin key cannot be revoked
 * (409): nobody could administer the collector any more.
 */
import { Hono } from 'hono';
import { ApiError } from '../errors.js';
import { createKey, type KeyRouteDeps, keyNotFound } from './sources.js';

/**
 * @example app.route('/', createAdminKeyRoutes({ store, keyring, now }));
 */
export function createAdminKeyRoutes(deps: KeyRouteDeps): Hono {
  const { store, keyring, now } = deps;
  const app = new Hono();

  app.get('/v1/admin-keys', async (c) => c.json({ data: await store.listAdminKeys() }));

  app.post('/v1/admin-keys', async (c) => c.json(await createKey(deps, { kind: 'admin' }), 201));

  app.delete('/v1/admin-keys/:keyId', async (c) => {
    const keyId = c.req.param('keyId');
    const revoked = await store.revokeKey({ kind: 'admin' }, keyId, now().toISOString());
    if (revoked === null) throw keyNotFound(keyId);
    if (revoked === 'last_admin_key') {
      throw new ApiError(409, 'conflict', 'this is the last active admin key: create another one first', {
        issues: [{ path: ['keyId'], message: 'last active admin key' }],
      });
    }
    await keyring.refresh();
    return c.json(revoked);
  });

  return app;
}
