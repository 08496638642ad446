/** Liveness for load balancers and orchestrators: 200 when the database answers. No key. */
import { Hono } from 'hono';
import { ApiError } from '../errors.js';
import type { Store } from '../store/store.js';

export function createHealthRoutes({ store }: { store: Store }): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    try {
      await store.ping();
    } catch (error) {
      throw new ApiError(503, 'internal_error', 'the database is not answering', { cause: error });
    }
    return c.json({ status: 'ok' });
  });
  return app;
}
