/**
 * Picks the store from `--db` / `EXHAUST_DB`: a `postgres://` or
 * `postgresql://` URL selects PostgreSQL (shared by any number of
 * collectors), anything else is a SQLite file path (embedded, one collector).
 */
import type { IdentityConfig } from '../identity/config.js';
import type { SubscriptionsConfig } from '../subscriptions/topics.js';
import { createPostgresStore, isPostgresUrl } from './postgres/postgres-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type StoreKind = 'sqlite' | 'postgres';

/** The parts of the collector's config a store reads (validated by the config layer above). */
export interface StoreSettings {
  identity: IdentityConfig;
  subscriptions: SubscriptionsConfig;
  /** PostgreSQL only: connections per collector, and how long a statement may run. */
  store: { poolSize: number; statementTimeoutMs: number };
}

export interface OpenedStore {
  store: Store;
  kind: StoreKind;
  /** Where the data is, safe to log: a file path, or the URL without its password. */
  location: string;
}

export { isPostgresUrl };

/** A database URL with its password masked, for logs and banners. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * @param db a SQLite file path (already resolved) or a PostgreSQL URL.
 * @example const { store, kind } = await openStore({ db: 'postgres://exhaust@db/exhaust', config });
 */
export async function openStore(options: {
  db: string;
  config: StoreSettings;
  sqliteMode?: 'worker' | 'inline';
}): Promise<OpenedStore> {
  const { db, config } = options;
  if (isPostgresUrl(db)) {
    const store = await createPostgresStore({
      url: db,
      identity: config.identity,
      subscriptions: config.subscriptions,
      poolSize: config.store.poolSize,
      statementTimeoutMs: config.store.statementTimeoutMs,
    });
    return { store, kind: 'postgres', location: redactUrl(db) };
  }
  const store = await createSqliteStore({
    file: db,
    identity: config.identity,
    subscriptions: config.subscriptions,
    mode: options.sqliteMode ?? 'worker',
  });
  return { store, kind: 'sqlite', location: db };
}
