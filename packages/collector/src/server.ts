/**
 * Runs a real collector: resolves configuration, opens the SQLite store, and
 * serves the app over HTTP. Used by the CLI, `scripts/start.mjs`, and the
 * end-to-end tests of every package (on port 0).
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { createActivationScheduler } from './activation/scheduler.js';
import { createApp } from './app.js';
import { createKeyring } from './auth/keyring.js';
import type { CollectorConfig, ConfigFileInput } from './config/config-schema.js';
import { resolveConfig } from './config/resolve-config.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { createSqliteStore } from './store/sqlite/sqlite-store.js';
import { createDeliveryWorker } from './webhooks/delivery-worker.js';
import { webhookUserAgent } from './webhooks/user-agent.js';

/** Default port of `exhaust-collector serve`. */
export const DEFAULT_PORT = 8787;
/** Default interface: loopback; put a reverse proxy in front or pass `--host 0.0.0.0`. */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DB_FILE = './data/exhaust.db';
/** How long shutdown waits for in-flight requests before cutting connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface StartCollectorOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** SQLite file; default `./data/exhaust.db`. Its folder is created and also holds generated keys. */
  db?: string;
  /** Config file path, or the config object itself. */
  config?: string | ConfigFileInput;
  /** Extra write keys (a source each, any origin), like `EXHAUST_WRITE_KEYS`. */
  writeKeys?: string[];
  /** Extra admin key, like `EXHAUST_ADMIN_KEY`. */
  adminKey?: string;
  /** Environment to read `EXHAUST_WRITE_KEYS` / `EXHAUST_ADMIN_KEY` from; default none. */
  env?: Record<string, string | undefined>;
  /** Default `warn` (the CLI passes `info`). Ignored when `logger` is given. */
  logLevel?: LogLevel;
  logger?: Logger;
  /** `worker` (default) or `inline` SQLite engine. */
  storeMode?: 'worker' | 'inline';
}

export interface RunningCollector {
  url: string;
  port: number;
  /** The first source's write key. */
  writeKey: string;
  /** The first admin key. */
  adminKey: string;
  config: CollectorConfig;
  /** Where generated keys are kept, when they were used. */
  keysFile: string | null;
  /** Stops accepting, finishes in-flight requests, commits, closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * @example
 * const collector = await startCollector({ port: 0, db: join(tmp, 'exhaust.db') });
 * await fetch(`${collector.url}/v1/track`, { method: 'POST', headers: { authorization: ... }, body });
 * await collector.close();
 */
export async function startCollector(options: StartCollectorOptions = {}): Promise<RunningCollector> {
  const dbFile = resolve(options.db ?? DEFAULT_DB_FILE);
  const dataDir = dirname(dbFile);
  mkdirSync(dataDir, { recursive: true });
  const logger = options.logger ?? createLogger({ level: options.logLevel ?? 'warn' });
  const { config, keysFile } = resolveConfig({
    config: options.config,
    env: options.env,
    writeKeys: options.writeKeys,
    adminKey: options.adminKey,
    dataDir,
  });
  const store = await createSqliteStore({
    file: dbFile,
    identity: config.identity,
    mode: options.storeMode ?? 'worker',
  });

  let shuttingDown = false;
  const app = createApp({
    store,
    keyring: createKeyring(config.sources, config.adminKeys),
    limits: config.limits,
    ipPolicy: config.ip,
    activation: config.activation,
    webhooks: config.webhooks,
    logger,
    isShuttingDown: () => shuttingDown,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  // Time-driven audience changes and backfills: the due rows are in the store, this is the alarm clock.
  const scheduler = createActivationScheduler({ store, logger });
  scheduler.start();
  // Outgoing webhooks: the outbox is in the store, this sends what is due.
  const delivery = createDeliveryWorker({ store, config: config.webhooks, userAgent: webhookUserAgent(), logger });
  delivery.start();
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  logger.info('listening', { url, db: dbFile, sources: config.sources.map((s) => s.name) });

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      logger.info('shutting down');
      // Stop claiming deliveries at once; requests in flight finish (bounded by their timeout) and are recorded.
      const deliveryStopped = delivery.stop();
      await new Promise<void>((resolveClose) => {
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          resolveClose();
        });
        // Keep-alive connections without a request in flight would hold close() open.
        server.closeIdleConnections();
      });
      // Before the store closes: a pass in flight finishes, so no claimed row stays leased.
      await scheduler.stop();
      await deliveryStopped;
      await store.close();
      logger.info('closed');
    })();
    return closing;
  };

  return {
    url,
    port,
    writeKey: config.sources[0]?.writeKey as string,
    adminKey: config.adminKeys[0] as string,
    config,
    keysFile,
    close,
  };
}
