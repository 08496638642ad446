/**
 * The sender key API (admin key; the guard is applied by the app): list,
 * create and revoke sender keys. A sender key (`sk_...`) is for the tools that
 * send email, SMS and the like: it can check subscriptions and report bounces,
 * complaints and unsubscribes, and read nothing else.
 */
import { Hono } from 'hono';
import { createKey, type KeyRouteDeps, keyNotFound } from './sources.js';

/** @example app.route('/', createSenderKeyRoutes({ store, keyring, now })); */
export function createSenderKeyRoutes(deps: KeyRouteDeps): Hono {
  const { store, keyring, now } = deps;
  const app = new Hono();

  app.get('/v1/sender-keys', async (c) => c.json({ data: await store.listSenderKeys() }));

  app.post('/v1/sender-keys', async (c) => c.json(await createKey(deps, { kind: 'sender' }), 201));

  app.delete('/v1/sender-keys/:keyId', async (c) => {
    const keyId = c.req.param('keyId');
    const revoked = await store.revokeKey({ kind: 'sender' }, keyId, now().toISOString());
    if (revoked === null || revoked === 'last_admin_key') throw keyNotFound(keyId);
    await keyring.refresh();
    return c.json(revoked);
  });

  return app;
}
