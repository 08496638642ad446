/**
 * `GET /v1/suppressions/stats`: what the suppression list dropped (admin key;
 * the guard is applied by the app), per entry named by a prefix of its hash.
 */
import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import { pageQuerySchema, parseQuery } from './query.js';

/**
 * @example app.route('/', createSuppressionRoutes({ store }));
 */
export function createSuppressionRoutes({ store }: { store: Store }): Hono {
  const app = new Hono();
  app.get('/v1/suppressions/stats', async (c) => {
    const query = parseQuery(pageQuerySchema, c.req.query());
    return c.json(await store.listSuppressionStats(query));
  });
  return app;
}
