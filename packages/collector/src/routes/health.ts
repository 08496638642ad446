/**
 * Health for load balancers and orchestrators, no key: 200 when the database
 * answers and its last write succeeded; 503 `store_unavailable` while writes
 * fail on storage (disk full, I/O error), until one succeeds again.
 */
import { Hono } from 'hono';
import { ApiError } from '../errors.js';
import { StoreError } from '../store/errors.js';
import type { Store } from '../store/store.js';

export function createHealthRoutes({ store }: { store: Store }): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    try {
      await store.ping();
    } catch (error) {
      // Rendered as 503 store_unavailable with Retry-After, like a refused write.
      if (error instanceof StoreError && error.code === 'store_unavailable') throw error;
      throw new ApiError(503, 'internal_error', 'the database is not answering', { cause: error });
    }
    return c.json({ status: 'ok' });
  });
  return app;
}
