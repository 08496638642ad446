/**
 * The collector's HTTP app. Routes are thin: they parse, call a service or the
 * store, and shape the answer; errors all go through one renderer.
 * @example
 * const app = createApp({ store, keyring, limits: DEFAULT_LIMITS, ipPolicy: 'truncate' });
 * serve({ fetch: app.fetch, port: 8787 });
 */
import type { IngestLimits } from '@exhaust/schema';
import { Hono } from 'hono';
import { DEFAULT_MAX_WINDOW_MS } from './activation/durations.js';
import type { Keyring } from './auth/keyring.js';
import { ApiError, createErrorRenderer, renderNotFound } from './errors.js';
import { requireAdmin } from './http/admin-guard.js';
import { ingestCors } from './http/cors.js';
import { createIngestService } from './ingest/ingest-service.js';
import type { IpPolicy } from './ingest/ip.js';
import { type Logger, silentLogger } from './log.js';
import { createAudienceRoutes } from './routes/audiences.js';
import { createComputedTraitRoutes } from './routes/computed-traits.js';
import { createEventRoutes } from './routes/events.js';
import { createHealthRoutes } from './routes/health.js';
import { createIngestRoutes, INGEST_PATHS, type IngestEnv } from './routes/ingest.js';
import { createMergeRoutes } from './routes/merges.js';
import { createProfileRoutes } from './routes/profiles.js';
import { createWebhookRoutes } from './routes/webhooks.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  keyring: Keyring;
  limits: IngestLimits;
  ipPolicy: IpPolicy;
  /** Config `activation`; default: windows up to 400 days. */
  activation?: { maxWindowMs: number };
  /** Config `webhooks` (only `allowHttp` matters here: which endpoint URLs are accepted); default https only. */
  webhooks?: { allowHttp: boolean };
  /** Default: silent. */
  logger?: Logger;
  /** Collector clock; default `new Date()`. */
  now?: () => Date;
  /** True once shutdown began: answers then close their connection. */
  isShuttingDown?: () => boolean;
}

const ADMIN_PATHS = [
  '/v1/events',
  '/v1/events/*',
  '/v1/profiles',
  '/v1/profiles/*',
  '/v1/merges',
  '/v1/computed-traits',
  '/v1/computed-traits/*',
  '/v1/audiences',
  '/v1/audiences/*',
  '/v1/webhooks',
  '/v1/webhooks/*',
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
  app.route('/', createHealthRoutes({ store: deps.store }));
  app.route('/', createProfileRoutes({ store: deps.store }));
  app.route('/', createMergeRoutes({ store: deps.store }));
  const maxWindowMs = deps.activation?.maxWindowMs ?? DEFAULT_MAX_WINDOW_MS;
  app.route('/', createComputedTraitRoutes({ store: deps.store, maxWindowMs }));
  app.route('/', createAudienceRoutes({ store: deps.store, maxWindowMs }));
  app.route('/', createWebhookRoutes({ store: deps.store, allowHttp: deps.webhooks?.allowHttp ?? false }));

  for (const path of [...INGEST_PATHS, '/v1/events', '/healthz']) {
    app.all(path, (c) => {
      throw new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${path}`);
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
