/**
 * @exhaust/collector: a Segment-compatible collector with identity stitching
 * and an embedded SQLite store.
 * @example
 * import { startCollector } from '@exhaust/collector';
 * const collector = await startCollector({ port: 0, db: './data/exhaust.db' });
 * console.log(collector.url, collector.writeKey);
 */
export { type AppDeps, createApp } from './app.js';
export { createKeyring, type Keyring, type SourceConfig } from './auth/keyring.js';
export {
  type CollectorConfig,
  ConfigError,
  type ConfigFileInput,
  configFileSchema,
  parseConfigFile,
} from './config/config-schema.js';
export { ApiError } from './errors.js';
export { IP_POLICIES, type IpPolicy } from './ingest/ip.js';
export { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './log.js';
export {
  DEFAULT_DB_FILE,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type RunningCollector,
  type StartCollectorOptions,
  startCollector,
} from './server.js';
export { StoreError, type StoreErrorCode } from './store/errors.js';
export { createSqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export type {
  EventQuery,
  IncomingEvent,
  IngestOutcome,
  IngestStatus,
  MergeOutcome,
  PageQuery,
  ProfileRef,
  PropertyValue,
  Store,
  UnmergeOutcome,
} from './store/store.js';
