/**
 * @exhaust/collector: a Segment-compatible collector with identity stitching
 * and an embedded SQLite store.
 * @example
 * import { startCollector } from '@exhaust/collector';
 * const collector = await startCollector({ port: 0, db: './data/exhaust.db' });
 * console.log(collector.url, collector.writeKey);
 */
export {
  aliveFallsBelowAt,
  type BgNbdCustomer,
  type BgNbdParams,
  conditionalExpectedPurchases,
  explainChurn,
  type FitOptions,
  type FitResult,
  fitBgNbd,
  type Purchase,
  type PurchaseSummary,
  probabilityAlive,
  simulateBgNbd,
  summarizePurchases,
} from './activation/churn/index.js';
export {
  type AppDeps,
  createApp,
} from './app.js';
export {
  createKeyring,
  createStoreKeyring,
  KEYRING_REFRESH_MS,
  type KeyOwner,
  type Keyring,
  type KeyringSource,
  type SourceConfig,
  type StoreKeyringOptions,
} from './auth/keyring.js';
export {
  type BannerInput,
  formatStartBanner,
  startBanner,
} from './cli-output.js';
export {
  type CollectorConfig,
  ConfigError,
  type ConfigFileInput,
  configFileSchema,
  parseConfigFile,
} from './config/config-schema.js';
export { ApiError } from './errors.js';
export {
  IP_POLICIES,
  type IpPolicy,
} from './ingest/ip.js';
export {
  createLogger,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  maskKey,
} from './log.js';
export {
  DEFAULT_DB_FILE,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type RunningCollector,
  type StartCollectorOptions,
  startCollector,
} from './server.js';
export {
  StoreError,
  type StoreErrorCode,
} from './store/errors.js';
export {
  createSqliteStore,
  type SqliteStoreOptions,
} from './store/sqlite/sqlite-store.js';
export type {
  AccessSeed,
  AccessSnapshot,
  EventQuery,
  IncomingEvent,
  IngestOutcome,
  IngestStatus,
  KeyOwnerRef,
  MergeOutcome,
  NewKey,
  NewSource,
  PageQuery,
  ProfileRef,
  PropertyValue,
  SourceChanges,
  Store,
  UnmergeOutcome,
} from './store/store.js';
export {
  decideCheck,
  loadSigningKeys,
  rotateSigningKey,
  SIGNING_KEYS_FILE,
  type SigningKeys,
  type SubscriptionsConfig,
} from './subscriptions/index.js';
