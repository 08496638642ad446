/**
 * `/v1/computed-traits` (admin key; the guard is applied by the app): values
 * derived from a person's events, including lead scores. Creating or
 * replacing one backfills it from the stored events (`status: backfilling`
 * until done); values appear on `GET /v1/profiles/{ref}` as `computed`.
 */
import type { ComputedTraitDefinition, ComputedTraitResource } from '@exhaust/schema';
import { Hono } from 'hono';
import type { DefinitionRecord, Store } from '../store/store.js';
import { definitionNotFound, deleteDefinition, readDefinitionBody, writeDefinition } from './definition-writes.js';

export interface DefinitionRoutesDeps {
  store: Store;
  /** Longest `within` / `halfLife` accepted (config `activation.maxWindow`). */
  maxWindowMs: number;
}

const toResource = (record: DefinitionRecord<ComputedTraitDefinition>): ComputedTraitResource => ({
  ...record.definition,
  status: record.status,
  createdAt: record.createdAt,
  updatedAt: record.updatedAt,
});

/**
 * @example app.route('/', createComputedTraitRoutes({ store, maxWindowMs }));
 */
export function createComputedTraitRoutes({ store, maxWindowMs }: DefinitionRoutesDeps): Hono {
  const app = new Hono();
  const kind = 'computedTrait' as const;

  app.post('/v1/computed-traits', async (c) => {
    const body = await readDefinitionBody(c);
    const record = await writeDefinition({ store, kind, body, mode: 'create', maxWindowMs });
    return c.json(toResource(record as DefinitionRecord<ComputedTraitDefinition>), 201);
  });

  app.get('/v1/computed-traits', async (c) => {
    const snapshot = await store.getDefinitions();
    return c.json({ data: snapshot.computedTraits.map(toResource) });
  });

  app.get('/v1/computed-traits/:key', async (c) => {
    const key = c.req.param('key');
    const record = (await store.getDefinitions()).computedTraits.find((r) => r.definition.key === key);
    if (!record) throw definitionNotFound(kind, key);
    return c.json(toResource(record));
  });

  app.put('/v1/computed-traits/:key', async (c) => {
    const pathKey = c.req.param('key');
    const body = await readDefinitionBody(c);
    const record = await writeDefinition({ store, kind, body, mode: 'replace', pathKey, maxWindowMs });
    return c.json(toResource(record as DefinitionRecord<ComputedTraitDefinition>));
  });

  app.delete('/v1/computed-traits/:key', async (c) => {
    await deleteDefinition({ store, kind, key: c.req.param('key'), maxWindowMs });
    return c.body(null, 204);
  });

  return app;
}
