/**
 * Versioned schema migrations, run in order on open. Each runs in its own
 * transaction together with its `schema_version` row, so a crash mid-migration
 * leaves the previous version intact. Append only: never edit a shipped entry.
 */
import { IDENTITY_MIGRATION_SQL } from './identity/schema.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
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
];
