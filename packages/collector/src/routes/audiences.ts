/**
 * `/v1/audiences` (admin key; the guard is applied by the app): live segments
 * of profiles. Each change of membership is an `Audience Entered` /
 * `Audience Exited` event on the profile's timeline and an entry of the
 * audience's change feed; members and sizes are read here.
 */
import type { AudienceDefinition, AudienceResource } from '@exhaust/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import type { DefinitionRecord } from '../store/store.js';
import type { DefinitionRoutesDeps } from './computed-traits.js';
import { definitionNotFound, deleteDefinition, readDefinitionBody, writeDefinition } from './definition-writes.js';
import { pageQuerySchema, pageQueryShape, parseQuery } from './query.js';

const changesQuerySchema = z.object({ limit: pageQueryShape.limit, since: z.string().min(1).optional() });

const toResource = (record: DefinitionRecord<AudienceDefinition>, size: number): AudienceResource => ({
  ...record.definition,
  status: record.status,
  createdAt: record.createdAt,
  updatedAt: record.updatedAt,
  size,
});

/**
 * @example app.route('/', createAudienceRoutes({ store, maxWindowMs }));
 */
export function createAudienceRoutes({ store, maxWindowMs }: DefinitionRoutesDeps): Hono {
  const app = new Hono();
  const kind = 'audience' as const;

  const sizeOf = async (key: string) => (await store.audienceSizes())[key] ?? 0;

  app.post('/v1/audiences', async (c) => {
    const body = await readDefinitionBody(c);
    const record = await writeDefinition({ store, kind, body, mode: 'create', maxWindowMs });
    return c.json(toResource(record as DefinitionRecord<AudienceDefinition>, await sizeOf(record.definition.key)), 201);
  });

  app.get('/v1/audiences', async (c) => {
    const [snapshot, sizes] = await Promise.all([store.getDefinitions(), store.audienceSizes()]);
    return c.json({ data: snapshot.audiences.map((r) => toResource(r, sizes[r.definition.key] ?? 0)) });
  });

  app.get('/v1/audiences/:key', async (c) => {
    const key = c.req.param('key');
    const record = (await store.getDefinitions()).audiences.find((r) => r.definition.key === key);
    if (!record) throw definitionNotFound(kind, key);
    return c.json(toResource(record, await sizeOf(key)));
  });

  app.put('/v1/audiences/:key', async (c) => {
    const pathKey = c.req.param('key');
    const body = await readDefinitionBody(c);
    const record = await writeDefinition({ store, kind, body, mode: 'replace', pathKey, maxWindowMs });
    return c.json(toResource(record as DefinitionRecord<AudienceDefinition>, await sizeOf(pathKey)));
  });

  app.delete('/v1/audiences/:key', async (c) => {
    await deleteDefinition({ store, kind, key: c.req.param('key'), maxWindowMs });
    return c.body(null, 204);
  });

  app.get('/v1/audiences/:key/members', async (c) => {
    const key = c.req.param('key');
    const page = await store.listAudienceMembers(key, parseQuery(pageQuerySchema, c.req.query()));
    if (!page) throw definitionNotFound(kind, key);
    return c.json(page);
  });

  app.get('/v1/audiences/:key/changes', async (c) => {
    const key = c.req.param('key');
    const page = await store.listAudienceChanges(key, parseQuery(changesQuerySchema, c.req.query()));
    if (!page) throw definitionNotFound(kind, key);
    return c.json(page);
  });

  return app;
}
