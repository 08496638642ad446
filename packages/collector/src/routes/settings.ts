/**
 * `GET /v1/settings` (admin key): what this collector runs with, read only:
 * the store in use, sources with their origins and keys (hints only, the
 * store never has the keys), ingest limits and the identity policy.
 */
import type { CollectorSettings, IngestLimits } from '@exhaust/schema';
import { Hono } from 'hono';
import type { IdentityConfig } from '../identity/config.js';
import type { Store } from '../store/store.js';

export interface SettingsRouteDeps {
  store: Store;
  limits: IngestLimits;
  identity: IdentityConfig;
}

export function createSettingsRoutes({ store, limits, identity }: SettingsRouteDeps): Hono {
  const app = new Hono();
  app.get('/v1/settings', async (c) => {
    const [info, sources] = await Promise.all([store.describe(), store.listSources()]);
    const body: CollectorSettings = {
      store: { kind: info.kind },
      sources,
      limits,
      identity: {
        contestedMode: identity.contestedMode,
        maxMergesPerProfile: identity.maxMergesPerProfile,
        maxValueLength: identity.maxValueLength,
        limits: identity.limits,
        priorities: identity.priorities,
        customLimit: identity.customLimit,
        customPriority: identity.customPriority,
        blockedValues: identity.blockedValues,
        blockedPatterns: identity.blockedPatterns,
      },
    };
    return c.json(body);
  });
  return app;
}
