/**
 * The collector's HTTP app. Routes are thin: they parse, call a service or the
 * store, and shape the answer; errors all go through one renderer.
 * @example
 * const app = createApp({ store, keyring, limits: DEFAULT_LIMITS, ipPolicy: 'truncate' });
 * serve({ fetch: app.fetch, port: 8787 });
 */

import { randomBytes } from 'node:crypto';
import type { IngestLimits } from '@exhaust/schema';
import { Hono } from 'hono';
import { DEFAULT_MAX_WINDOW_MS } from './activation/durations.js';
import type { Keyring } from './auth/keyring.js';
import { DEFAULT_CHURN_CONFIG } from './churn/config.js';
import { type ChurnService, createChurnService } from './churn/service.js';
import { ApiError, createErrorRenderer, renderNotFound } from './errors.js';
import { requireAdmin } from './http/admin-guard.js';
import { ingestCors } from './http/cors.js';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig } from './identity/config.js';
import { createIngestService } from './ingest/ingest-service.js';
import type { IpPolicy } from './ingest/ip.js';
import { type Logger, silentLogger } from './log.js';
import { createAdminKeyRoutes } from './routes/admin-keys.js';
import { createAudienceRoutes } from './routes/audiences.js';
import { createChurnRoutes } from './routes/churn.js';
import { createComputedTraitRoutes } from './routes/computed-traits.js';
import { createConsoleRoutes, findConsoleDir } from './routes/console.js';
import { createDeletionRoutes } from './routes/deletions.js';
import { createEventRoutes } from './routes/events.js';
import { createHealthRoutes } from './routes/health.js';
import { createHomeRoutes } from './routes/home.js';
import { createIngestRoutes, INGEST_PATHS, type IngestEnv } from './routes/ingest.js';
import { createMergeRoutes } from './routes/merges.js';
import { createProfileRoutes } from './routes/profiles.js';
import { createSenderKeyRoutes } from './routes/sender-keys.js';
import { createSettingsRoutes } from './routes/settings.js';
import { createSourceRoutes } from './routes/sources.js';
import { createStatsRoutes } from './routes/stats.js';
import { createStreamRoutes } from './routes/stream.js';
import { createSubscriptionRoutes } from './routes/subscriptions.js';
import { createSuppressionRoutes } from './routes/suppressions.js';
import { createUnsubscribeRoutes } from './routes/unsubscribe.js';
import { createWebhookRoutes } from './routes/webhooks.js';
import type { StoreKind } from './store/open-store.js';
import type { Store } from './store/store.js';
import { createSubscriptionService } from './subscriptions/service.js';
import type { SigningKeys } from './subscriptions/signing-keys.js';
import { SIGNING_KEY_BYTES, SIGNING_KEY_ID_BYTES } from './subscriptions/token.js';
import { DEFAULT_SUBSCRIPTIONS_CONFIG, type SubscriptionsConfig } from './subscriptions/topics.js';

export interface AppDeps {
  store: Store;
  keyring: Keyring;
  limits: IngestLimits;
  ipPolicy: IpPolicy;
  /** The identity policy in force (shown by `GET /v1/settings`; addresses are normalized by it); default the policy's defaults. */
  identity?: IdentityConfig;
  /** Folder of the built console; default `findConsoleDir()` (null serves a "not built" page). */
  consoleDir?: string | null;
  /** Config `activation`; default: windows up to 400 days. */
  activation?: { maxWindowMs: number };
  /** Fits the churn model (built from config `churn`); default one over `DEFAULT_CHURN_CONFIG`. */
  churn?: ChurnService;
  /** Config `webhooks` (only `allowHttp` matters here: which endpoint URLs are accepted); default https only. */
  webhooks?: { allowHttp: boolean };
  /** Default: silent. */
  logger?: Logger;
  /** Collector clock; default `new Date()`. */
  now?: () => Date;
  /** True once shutdown began: answers then close their connection. */
  isShuttingDown?: () => boolean;
  /** Which store serves (reported by /healthz); default `sqlite`. */
  storeKind?: StoreKind;
  /** The config file's `subscriptions`; default no declared topics. */
  subscriptions?: SubscriptionsConfig;
  /**
   * Keys of one-click unsubscribe links (`startCollector` keeps them in the data folder). Default:
   * a key made for this app only, so its links die with it.
   */
  signingKeys?: SigningKeys;
  /** Public origin for links; default the origin of the request asking for one. */
  publicUrl?: string | undefined;
}

function ephemeralSigningKeys(): SigningKeys {
  const key = { id: randomBytes(SIGNING_KEY_ID_BYTES).toString('hex'), secret: randomBytes(SIGNING_KEY_BYTES) };
  return { current: key, all: [key] };
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
  '/v1/deletions',
  '/v1/suppressions/*',
  '/v1/stats/*',
  '/v1/stream',
  '/v1/settings',
  '/v1/sender-keys',
  '/v1/sender-keys/*',
  '/v1/computed-traits',
  '/v1/computed-traits/*',
  '/v1/audiences',
  '/v1/audiences/*',
  '/v1/webhooks',
  '/v1/webhooks/*',
  '/v1/models/*',
];
/** Admin paths whose other methods answer 405 (rather than 404). */
const ADMIN_METHOD_PATHS = [
  '/v1/sources',
  '/v1/sources/:id',
  '/v1/sources/:id/keys',
  '/v1/sources/:id/keys/:keyId',
  '/v1/admin-keys',
  '/v1/admin-keys/:keyId',
  '/v1/sender-keys',
  '/v1/sender-keys/:keyId',
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

  const subscriptions = createSubscriptionService({
    store: deps.store,
    config: deps.subscriptions ?? DEFAULT_SUBSCRIPTIONS_CONFIG,
    identity: deps.identity ?? DEFAULT_IDENTITY_CONFIG,
    signingKeys: deps.signingKeys ?? ephemeralSigningKeys(),
    publicUrl: deps.publicUrl,
    now,
  });
  const ingest = createIngestService({ store: deps.store, limits: deps.limits, ipPolicy: deps.ipPolicy });
  app.route('/', createIngestRoutes({ keyring: deps.keyring, ingest, limits: deps.limits, now }));
  app.route('/', createEventRoutes({ store: deps.store }));
  app.route('/', createHealthRoutes({ store: deps.store, storeKind: deps.storeKind ?? 'sqlite' }));
  app.route('/', createHomeRoutes());
  const churn = deps.churn ?? createChurnService({ store: deps.store, config: DEFAULT_CHURN_CONFIG });
  app.route('/', createProfileRoutes({ store: deps.store, subscriptions }));
  app.route('/', createChurnRoutes({ store: deps.store, churn }));
  app.route('/', createMergeRoutes({ store: deps.store }));
  app.route('/', createSourceRoutes({ store: deps.store, keyring: deps.keyring, now }));
  app.route('/', createAdminKeyRoutes({ store: deps.store, keyring: deps.keyring, now }));
  app.route('/', createDeletionRoutes({ store: deps.store }));
  app.route('/', createSuppressionRoutes({ store: deps.store }));
  app.route('/', createStatsRoutes({ store: deps.store, now }));
  app.route('/', createStreamRoutes({ store: deps.store, isShuttingDown: deps.isShuttingDown ?? (() => false) }));
  app.route(
    '/',
    createSettingsRoutes({
      store: deps.store,
      limits: deps.limits,
      identity: deps.identity ?? DEFAULT_IDENTITY_CONFIG,
    }),
  );
  app.route('/', createConsoleRoutes(deps.consoleDir === undefined ? findConsoleDir() : deps.consoleDir));
  app.route('/', createSenderKeyRoutes({ store: deps.store, keyring: deps.keyring, now }));
  app.route('/', createSubscriptionRoutes({ store: deps.store, keyring: deps.keyring, subscriptions, now }));
  app.route('/', createUnsubscribeRoutes({ subscriptions }));
  const maxWindowMs = deps.activation?.maxWindowMs ?? DEFAULT_MAX_WINDOW_MS;
  app.route('/', createComputedTraitRoutes({ store: deps.store, maxWindowMs }));
  app.route('/', createAudienceRoutes({ store: deps.store, maxWindowMs }));
  app.route('/', createWebhookRoutes({ store: deps.store, allowHttp: deps.webhooks?.allowHttp ?? false }));

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
