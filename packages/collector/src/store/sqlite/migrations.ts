/**
 * Versioned schema migrations, run in order on open. Each runs in its own
 * transaction together with its `schema_version` row, so a crash mid-migration
 * leaves the previous version intact. Append only: never edit a shipped entry.
 */

import { ACCESS_MIGRATION_SQL, SENDER_KEYS_MIGRATION_SQL, SIGNING_KEYS_MIGRATION_SQL } from './access.js';
import { ACTIVATION_MIGRATION_SQL } from './activation/schema.js';
import { REJECTIONS_MIGRATION_SQL } from './activity.js';
import { CHURN_MIGRATION_SQL } from './churn/schema.js';
import { EVENT_FILTERS_MIGRATION_SQL } from './event-filters.js';
import { IDENTITY_MIGRATION_SQL } from './identity/schema.js';
import { EVENTS_TS_MIGRATION_SQL } from './retention.js';
import { SUBSCRIPTIONS_MIGRATION_SQL } from './subscriptions/schema.js';
import {
  WEBHOOK_DELIVERY_PROFILES_MIGRATION_SQL,
  WEBHOOK_HEALTH_MIGRATION_SQL,
  WEBHOOKS_MIGRATION_SQL,
} from './webhooks/schema.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * The migration rebuilds a table that others reference (SQLite's documented
   * 12-step procedure): it runs with foreign keys off, and `foreign_key_check`
   * must find nothing before it commits.
   */
  rebuildsTables?: boolean;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events, dedupe, warnings',
    sql: `
      -- Immutable events. seq is the arrival order (and the pagination key).
      -- fragment_id is the identity fragment the event is attributed to (issue 3), null when unattached.
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        message_id TEXT NOT NULL,
        type TEXT NOT NULL,
        event TEXT,
        ts TEXT NOT NULL,
        received_at TEXT NOT NULL,
        fragment_id INTEGER,
        payload TEXT NOT NULL
      );
      CREATE INDEX events_fragment ON events (fragment_id, seq) WHERE fragment_id IS NOT NULL;

      -- Every (source, messageId) ever accepted, hashed, with the seq it was given. Never
      -- deleted, not even by erasure, so a replayed message can never resurrect erased data.
      -- It is also how an event is found by messageId (no second index on events to maintain).
      CREATE TABLE seen_message_ids (
        hash BLOB PRIMARY KEY,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- Every source that ever sent, so an event can be looked up by messageId alone.
      CREATE TABLE sources (
        name TEXT PRIMARY KEY
      ) WITHOUT ROWID;

      -- Decisions that dropped or changed something, per event.
      CREATE TABLE ingestion_warnings (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        message_id TEXT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX ingestion_warnings_message ON ingestion_warnings (message_id);
    `,
  },
  {
    version: 2,
    name: 'identity: fragments, identifiers, trait writes, consent, merges, deletions, suppressions',
    sql: IDENTITY_MIGRATION_SQL,
  },
  {
    version: 3,
    name: 'identity: no foreign key from id_fragments.merged_into to its own table',
    // NOTE: with foreign keys on, SQLite rewrites EVERY index of a row whose self-referencing
    // key changes (random public_id included): one merge's UPDATE cost ~20 us instead of ~3.
    // The merge code keeps merged_into pointing at a live fragment; the index stays for unmerge.
    rebuildsTables: true,
    sql: `
      CREATE TABLE id_fragments_v3 (
        id INTEGER PRIMARY KEY,
        public_id TEXT NOT NULL UNIQUE,
        created_seq INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        merged_into INTEGER,
        canonical_id INTEGER NOT NULL,
        holding_for TEXT UNIQUE
      );
      INSERT INTO id_fragments_v3 (id, public_id, created_seq, created_at, merged_into, canonical_id, holding_for)
        SELECT id, public_id, created_seq, created_at, merged_into, canonical_id, holding_for FROM id_fragments;
      DROP TABLE id_fragments;
      ALTER TABLE id_fragments_v3 RENAME TO id_fragments;
      CREATE INDEX id_fragments_canonical ON id_fragments (canonical_id);
      CREATE INDEX id_fragments_merged_into ON id_fragments (merged_into);
    `,
  },
  {
    version: 4,
    name: 'access: sources, write and admin keys (hashed), keys version',
    sql: ACCESS_MIGRATION_SQL,
  },
  {
    version: 5,
    name: 'event filters: userId, anonymousId and source indexes; suppression drop stats',
    sql: EVENT_FILTERS_MIGRATION_SQL,
  },
  {
    version: 6,
    name: 'console: recent rejected messages',
    sql: REJECTIONS_MIGRATION_SQL,
  },
  {
    version: 7,
    name: 'subscriptions: states, history, contact suppressions; sender keys',
    rebuildsTables: true,
    sql: `${SUBSCRIPTIONS_MIGRATION_SQL}\n${SENDER_KEYS_MIGRATION_SQL}`,
  },
  {
    version: 8,
    name: 'deletion log: subscription rows erased and addresses contact-suppressed',
    sql: `
      ALTER TABLE id_deletions ADD COLUMN subscriptions INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE id_deletions ADD COLUMN contact_suppressed INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 9,
    name: 'activation: definitions, computed values, audience memberships and changes, due re-evaluations',
    sql: ACTIVATION_MIGRATION_SQL,
  },
  {
    version: 10,
    name: 'webhooks: endpoints, secrets, outbox deliveries and attempts',
    sql: WEBHOOKS_MIGRATION_SQL,
  },
  {
    version: 11,
    name: 'churn: BG/NBD fits with their time, the refit schedule row, P(alive) bands per profile',
    sql: CHURN_MIGRATION_SQL,
  },
  {
    version: 12,
    name: 'webhook health: when each endpoint last succeeded and last failed',
    sql: WEBHOOK_HEALTH_MIGRATION_SQL,
  },
  {
    version: 13,
    name: 'webhooks: the profiles each delivery names, so an erasure can remove them',
    sql: WEBHOOK_DELIVERY_PROFILES_MIGRATION_SQL,
  },
  {
    version: 14,
    name: 'event sequence: the last seq given, kept in the database',
    // The seq counter was MAX(seq) of events, read once at start: erasure deletes events but
    // keeps their dedupe rows (and seqs), so after a restart a new event could take an erased
    // one's seq, and the erased messageId would find it. One row, read and written under each
    // write transaction's lock, also lets two collectors share a file without reusing a seq.
    sql: `
      CREATE TABLE event_sequence (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last INTEGER NOT NULL
      );
      INSERT INTO event_sequence (id, last) VALUES (1, MAX(
        COALESCE((SELECT MAX(seq) FROM events), 0),
        COALESCE((SELECT MAX(seq) FROM seen_message_ids), 0)));
    `,
  },
  {
    version: 15,
    name: 'events by timestamp, for retention',
    sql: EVENTS_TS_MIGRATION_SQL,
  },
  {
    version: 16,
    name: 'unsubscribe-link signing keys, shared by every collector on the database',
    sql: SIGNING_KEYS_MIGRATION_SQL,
  },
];
