/**
 * Versioned migrations of the PostgreSQL store, run on start. Every collector
 * runs them under one session advisory lock, so N collectors starting at once
 * migrate once: the first applies them, the others wait, then find nothing to
 * do. Each migration commits together with its `schema_version` row.
 * Append only: never edit a shipped entry. One entry per area (events,
 * identity, access, and the activation areas to come), like the SQLite side.
 */
import type pg from 'pg';
import { MIGRATE_STORE_PROGRESS_MIGRATION_SQL } from '../migrate/progress.js';
import { ACCESS_MIGRATION_SQL, SENDER_KEYS_MIGRATION_SQL, SIGNING_KEYS_MIGRATION_SQL } from './access.js';
import { ACTIVATION_MIGRATION_SQL } from './activation/schema.js';
import { ACTIVITY_MIGRATION_SQL } from './activity.js';
import { CHURN_MIGRATION_SQL } from './churn/schema.js';
import { EVENT_FILTERS_MIGRATION_SQL, EVENTS_MIGRATION_SQL } from './events.js';
import { AUDIT_MIGRATION_SQL } from './identity/audit.js';
import { IDENTITY_MIGRATION_SQL } from './identity/schema.js';
import { LOCK_KEYS } from './locks.js';
import { acquire } from './pool.js';
import { SUBSCRIPTIONS_MIGRATION_SQL } from './subscriptions/schema.js';
import { WEBHOOKS_MIGRATION_SQL } from './webhooks/schema.js';

export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: PostgresMigration[] = [
  { version: 1, name: 'events (partitioned by month), dedupe, warnings', sql: EVENTS_MIGRATION_SQL },
  {
    version: 2,
    name: 'identity: fragments, identifiers, trait writes, consent, merges, deletions, suppressions',
    sql: IDENTITY_MIGRATION_SQL,
  },
  { version: 3, name: 'access: sources, write and admin keys (hashed), keys version', sql: ACCESS_MIGRATION_SQL },
  {
    version: 4,
    name: 'event filters, suppression drop stats, deletion extras, contact suppressions, rejections, sender keys',
    sql: `${EVENT_FILTERS_MIGRATION_SQL}\n${AUDIT_MIGRATION_SQL}\n${ACTIVITY_MIGRATION_SQL}\n${SENDER_KEYS_MIGRATION_SQL}`,
  },
  {
    version: 5,
    name: 'webhooks: endpoints, secrets and health, outbox deliveries, attempts, the profiles each delivery names',
    sql: WEBHOOKS_MIGRATION_SQL,
  },
  {
    version: 6,
    name: 'activation: definitions, evaluated profiles with due rows and leases, memberships, changes',
    sql: ACTIVATION_MIGRATION_SQL,
  },
  {
    version: 7,
    name: 'subscriptions: states per (channel, address, topic), history',
    sql: SUBSCRIPTIONS_MIGRATION_SQL,
  },
  { version: 8, name: 'churn: fits, the leased refit row, P(alive) bands', sql: CHURN_MIGRATION_SQL },
  { version: 9, name: 'migrate-store: progress of a copy from SQLite', sql: MIGRATE_STORE_PROGRESS_MIGRATION_SQL },
  {
    version: 10,
    name: 'unsubscribe-link signing keys, shared by every collector on the database',
    sql: SIGNING_KEYS_MIGRATION_SQL,
  },
];

/** Applies every migration newer than the database's version; answers the version it ends at. */
export async function migratePostgres(
  pool: pg.Pool,
  options: { schema?: string; migrations?: PostgresMigration[] } = {},
): Promise<number> {
  const migrations = options.migrations ?? POSTGRES_MIGRATIONS;
  const client = await acquire(pool);
  let broken: Error | undefined;
  try {
    // A session lock (not a transaction one): it spans the migrations' separate transactions.
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEYS.migrations]);
    try {
      // Under the lock too: CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin.
      if (options.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
      const current = rows[0]?.v ?? 0;
      const latest = migrations.at(-1)?.version ?? 0;
      if (current > latest) {
        throw new Error(`database schema version ${current} is newer than this collector knows (${latest})`);
      }
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_version (version, name) VALUES ($1, $2)', [
            migration.version,
            migration.name,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      }
      return latest;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEYS.migrations]).catch(() => {});
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    // A failed migration's connection is dropped: it may still hold the session lock if unlocking failed.
    client.release(broken);
  }
}
