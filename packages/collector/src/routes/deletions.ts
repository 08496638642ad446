/**
 * `GET /v1/deletions`: the erasure audit log (admin key; the guard is applied
 * by the app). Each record is a deletion id, its time and counts: never whom.
 */
import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import { pageQuerySchema, parseQuery } from './query.js';

/**
 * @example app.route('/', createDeletionRoutes({ store }));
 */
export function createDeletionRoutes({ store }: { store: Store }): Hono {
  const app = new Hono();
  app.get('/v1/deletions', async (c) => {
    const query = parseQuery(pageQuerySchema, c.req.query());
    return c.json(await store.listDeletions(query));
  });
  return app;
}
