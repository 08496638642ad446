/**
 * The collector's HTTP app. Routes are thin: they parse, call a service or the
 * store, and shape the answer; errors all go through one renderer.
 * @example
 * const app = createApp({ store, keyring, limits: DEFAULT_LIMITS, ipPolicy: 'truncate' });
 * serve({ fetch: app.fetch, port: 8787 });
 */
import type { IngestLimits } from '@exhaust/schema';
import { Hono } from 'hono';
import type { Keyring } from './auth/keyring.js';
import { ApiError, createErrorRenderer, renderNotFound } from './errors.js';
import { requireAdmin } from './http/admin-guard.js';
import { ingestCors } from './http/cors.js';
import { createIngestService } from './ingest/ingest-service.js';
import type { IpPolicy } from './ingest/ip.js';
import { type Logger, silentLogger } from './log.js';
import { createAdminKeyRoutes } from './routes/admin-keys.js';
import { createEventRoutes } from './routes/events.js';
import { createHealthRoutes } from './routes/health.js';
import { createHomeRoutes } from './routes/home.js';
import { createIngestRoutes, INGEST_PATHS, type IngestEnv } from './routes/ingest.js';
import { createMergeRoutes } from './routes/merges.js';
import { createProfileRoutes } from './routes/profiles.js';
import { createSourceRoutes } from './routes/sources.js';
import type { StoreKind } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  keyring: Keyring;
  limits: IngestLimits;
  ipPolicy: IpPolicy;
  /** Default: silent. */
  logger?: Logger;
  /** Collector clock; default `new Date()`. */
  now?: () => Date;
  /** True once shutdown began: answers then close their connection. */
  isShuttingDown?: () => boolean;
  /** Which store serves (reported by /healthz); default `sqlite`. */
  storeKind?: StoreKind;
}

const ADMIN_PATHS = [
  '/v1/events',
  '/v1/events/*',
  '/v1/profiles',
  '/v1/profiles/*',
  '/v1/merges',
  '/v1/sources',
  '/v1/sources/*',
  '/v1/admin-keys',
  '/v1/admin-keys/*',
];
/** Admin paths whose other methods answer 405 (rather than 404). */
const ADMIN_METHOD_PATHS = [
  '/v1/sources',
  '/v1/sources/:id',
  '/v1/sources/:id/keys',
  '/v1/sources/:id/keys/:keyId',
  '/v1/admin-keys',
  '/v1/admin-keys/:keyId',
];

export function createApp(deps: AppDeps): Hono<IngestEnv> {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const app = new Hono<IngestEnv>();

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    if (deps.isShuttingDown?.()) c.res.headers.set('Connection', 'close');
    logger.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      events: c.get('events') ?? 0,
      // Events an SDK reports it had to drop (queue full, too old): data lost before it reached us.
      ...(c.get('clientDropped') ? { clientDropped: c.get('clientDropped') } : {}),
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  for (const path of INGEST_PATHS) app.use(path, ingestCors(deps.keyring));
  for (const path of ADMIN_PATHS) app.use(path, requireAdmin(deps.keyring));

  const ingest = createIngestService({ store: deps.store, limits: deps.limits, ipPolicy: deps.ipPolicy });
  app.route('/', createIngestRoutes({ keyring: deps.keyring, ingest, limits: deps.limits, now }));
  app.route('/', createEventRoutes({ store: deps.store }));
  app.route('/', createHealthRoutes({ store: deps.store, storeKind: deps.storeKind ?? 'sqlite' }));
  app.route('/', createHomeRoutes());
  app.route('/', createProfileRoutes({ store: deps.store }));
  app.route('/', createMergeRoutes({ store: deps.store }));
  app.route('/', createSourceRoutes({ store: deps.store, keyring: deps.keyring, now }));
  app.route('/', createAdminKeyRoutes({ store: deps.store, keyring: deps.keyring, now }));

  for (const path of [...INGEST_PATHS, '/v1/events', '/healthz', ...ADMIN_METHOD_PATHS]) {
    app.all(path, (c) => {
      throw new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`);
    });
  }

  app.onError(
    createErrorRenderer((error) =>
      logger.error('request failed', { code: error.code, cause: String((error.cause as Error)?.stack ?? error.cause) }),
    ),
  );
  app.notFound(renderNotFound);
  return app;
}
