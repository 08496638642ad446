/**
 * Health for load balancers and orchestrators, no key: 200 with the store's
 * kind when the database answers (and, for SQLite, its last write succeeded);
 * 503 `store_unavailable` while it does not (PostgreSQL down or unreachable,
 * a full disk, an I/O error), until it does again. No restart needed.
 */
import { Hono } from 'hono';
import { ApiError } from '../errors.js';
import { StoreError } from '../store/errors.js';
import type { StoreKind } from '../store/open-store.js';
import type { Store } from '../store/store.js';

export function createHealthRoutes({ store, storeKind }: { store: Store; storeKind: StoreKind }): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    try {
      await store.ping();
    } catch (error) {
      // Rendered as 503 store_unavailable with Retry-After, like a refused write.
      if (error instanceof StoreError && error.code === 'store_unavailable') throw error;
      throw new ApiError(503, 'internal_error', `the ${storeKind} database is not answering`, { cause: error });
    }
    return c.json({ status: 'ok', store: storeKind, database: 'up' });
  });
  return app;
}
