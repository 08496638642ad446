/**
 * The source API (admin key; the guard is applied by the app): list, create
 * and change sources, create and revoke their write keys. A new key is
 * answered once, in full; the store keeps its sha-256 and a hint. After a
 * change this collector's keyring reloads at once; other collectors sharing
 * the store see it within `KEYRING_REFRESH_MS`.
 */
import type { CreatedKey, Source } from '@exhaust/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import { generateKey, keyDigest, keyHint, newKeyId, newSourceId } from '../auth/key-format.js';
import type { Keyring } from '../auth/keyring.js';
import { allowedOriginsSchema, sourceNameSchema } from '../config/config-schema.js';
import { ApiError } from '../errors.js';
import { readJsonBody } from '../http/json-body.js';
import type { KeyOwnerRef, Store } from '../store/store.js';

const sourceCreateSchema = z.strictObject({
  name: sourceNameSchema,
  allowedOrigins: allowedOriginsSchema.default([]),
  enabled: z.boolean().default(true),
});

const sourceUpdateSchema = z
  .strictObject({
    name: sourceNameSchema.optional(),
    allowedOrigins: allowedOriginsSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of name, allowedOrigins, enabled');

export const sourceNotFound = (id: string) =>
  new ApiError(404, 'source_not_found', `no source has id ${JSON.stringify(id)}`);
export const keyNotFound = (id: string) => new ApiError(404, 'key_not_found', `no such key ${JSON.stringify(id)}`);
const nameTaken = (name: string) =>
  new ApiError(409, 'conflict', `another source is named ${JSON.stringify(name)}`, {
    issues: [{ path: ['name'], message: 'another source has this name' }],
  });

export interface KeyRouteDeps {
  store: Store;
  keyring: Keyring;
  now: () => Date;
}

/** Creates a key for the owner: the answer is the only time the key can be read. Null: no such source. */
export async function createKey(deps: KeyRouteDeps, owner: KeyOwnerRef): Promise<CreatedKey | null> {
  const key = generateKey(owner.kind);
  const info = await deps.store.addKey(owner, {
    id: newKeyId(),
    hash: keyDigest(key),
    hint: keyHint(key),
    createdAt: deps.now().toISOString(),
  });
  if (!info) return null;
  await deps.keyring.refresh();
  return { ...info, key };
}

/**
 * @example app.route('/', createSourceRoutes({ store, keyring, now }));
 */
export function createSourceRoutes(deps: KeyRouteDeps): Hono {
  const { store, keyring, now } = deps;
  const app = new Hono();
  const found = (source: Source | null, id: string): Source => {
    if (!source) throw sourceNotFound(id);
    return source;
  };

  app.get('/v1/sources', async (c) => c.json({ data: await store.listSources() }));

  app.post('/v1/sources', async (c) => {
    const body = await readJsonBody(c, sourceCreateSchema, {
      hint: 'send { "name": string, "allowedOrigins"?: [origin | "*"], "enabled"?: boolean }',
    });
    const created = await store.createSource({ id: newSourceId(), ...body, createdAt: now().toISOString() });
    if (created === 'name_taken') throw nameTaken(body.name);
    await keyring.refresh();
    return c.json(created, 201);
  });

  app.get('/v1/sources/:id', async (c) => c.json(found(await store.getSource(c.req.param('id')), c.req.param('id'))));

  app.patch('/v1/sources/:id', async (c) => {
    const id = c.req.param('id');
    const changes = await readJsonBody(c, sourceUpdateSchema, {
      hint: 'send any of { "name": string, "allowedOrigins": [origin | "*"], "enabled": boolean }',
    });
    const updated = await store.updateSource(id, changes, now().toISOString());
    if (updated === 'name_taken') throw nameTaken(changes.name as string);
    found(updated, id);
    await keyring.refresh();
    return c.json(updated);
  });

  app.post('/v1/sources/:id/keys', async (c) => {
    const id = c.req.param('id');
    const created = await createKey(deps, { kind: 'write', sourceId: id });
    if (!created) throw sourceNotFound(id);
    return c.json(created, 201);
  });

  app.delete('/v1/sources/:id/keys/:keyId', async (c) => {
    const { id, keyId } = c.req.param();
    const revoked = await store.revokeKey({ kind: 'write', sourceId: id }, keyId, now().toISOString());
    // Only admin keys can be the last one standing; a write key's owner is always a source.
    if (revoked === null || revoked === 'last_admin_key') {
      throw (await store.getSource(id)) ? keyNotFound(keyId) : sourceNotFound(id);
    }
    await keyring.refresh();
    return c.json(revoked);
  });

  return app;
}
