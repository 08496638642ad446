/**
 * What `migrate-store` copies from a SQLite store into PostgreSQL: one spec
 * per SQLite table, in an order where every referenced row is copied before
 * the rows that reference it. Columns are matched by name and each value is
 * converted by the PostgreSQL column's type (see coerce.ts); a spec only says
 * where the two stores differ (a renamed table or column, a value PostgreSQL
 * keeps that SQLite does not). A SQLite table holding rows without a spec
 * here fails the command: nothing is left behind silently.
 */

export interface TableSpec {
  /** The SQLite table. */
  sqlite: string;
  /** The PostgreSQL table; the SQLite name when absent. */
  postgres?: string;
  /** The SQLite primary key: the copy walks it in order and resumes after the last key copied. */
  key: string[];
  /**
   * PostgreSQL columns whose value is not the SQLite column of the same name:
   * a SQLite expression over the row aliased `t`.
   */
  columns?: Record<string, string>;
  /** SQLite columns deliberately not copied, with why. */
  dropped?: Record<string, string>;
  /**
   * A one-row table created with its row by both stores' migrations: copied
   * over PostgreSQL's initial row (upsert on these PostgreSQL key columns).
   * `initial` is the row both migrations create: when the SQLite row still
   * equals it, the table holds nothing to copy even where PostgreSQL lacks it.
   */
  singleton?: { postgresKey: string[]; initial: Record<string, unknown> };
}

/** SQLite's own tables and the migrations' bookkeeping: never copied (PostgreSQL has its own). */
export const NOT_COPIED_TABLES = new Set([
  'schema_version',
  'sqlite_sequence',
  'sqlite_stat1',
  'sqlite_stat4',
  // SQLite's seq counter (migration 14): PostgreSQL's is the `event_seq` sequence, set past every copied seq.
  'event_sequence',
]);

/**
 * Where PostgreSQL dates an erased or suppression-dropped message's dedupe row
 * whose event is gone: `seen_message_ids.ts` only narrows the partitions a
 * messageId lookup reads, and with no event there is nothing to find.
 */
export const SEEN_WITHOUT_EVENT_TS = '1970-01-01T00:00:00.000Z';

export const TABLE_SPECS: TableSpec[] = [
  // Events and dedupe (PostgreSQL migration 1, with filters from 4).
  { sqlite: 'events', key: ['seq'] },
  {
    sqlite: 'seen_message_ids',
    key: ['hash'],
    // PostgreSQL keeps the event's timestamp beside its seq (it prunes the month partitions).
    columns: { ts: `COALESCE((SELECT e.ts FROM events e WHERE e.seq = t.seq), '${SEEN_WITHOUT_EVENT_TS}')` },
  },
  { sqlite: 'sources', postgres: 'event_sources', key: ['name'] },
  { sqlite: 'ingestion_warnings', key: ['id'] },
  { sqlite: 'ingestion_rejections', key: ['id'] },
  // Identity (2, 4).
  { sqlite: 'id_fragments', key: ['id'] },
  { sqlite: 'id_identifiers', key: ['type', 'value'] },
  { sqlite: 'id_trait_writes', key: ['id'] },
  { sqlite: 'id_consent_records', key: ['id'] },
  { sqlite: 'id_merges', key: ['id'] },
  { sqlite: 'id_deletions', key: ['id'] },
  { sqlite: 'id_suppressions', key: ['hash'] },
  { sqlite: 'sub_contact_suppressions', key: ['hash'] },
  // Access (3, 4).
  { sqlite: 'access_sources', key: ['id'] },
  { sqlite: 'access_keys', key: ['id'] },
  {
    sqlite: 'access_version',
    key: ['only'],
    columns: { only_row: 't."only"' },
    dropped: { only: 'PostgreSQL names the one-row flag only_row' },
    singleton: { postgresKey: ['only_row'], initial: { only: 1, version: 0 } },
  },
  { sqlite: 'signing_keys', key: ['seq'] },
  // Webhooks (5): endpoints before their secrets and deliveries, deliveries before attempts.
  { sqlite: 'webhook_meta', key: ['id'], singleton: { postgresKey: ['id'], initial: { id: 1, endpoints_version: 0 } } },
  { sqlite: 'webhook_endpoints', key: ['id'] },
  { sqlite: 'webhook_secrets', key: ['id'] },
  { sqlite: 'webhook_deliveries', key: ['seq'] },
  { sqlite: 'webhook_attempts', key: ['id'] },
  { sqlite: 'webhook_delivery_profiles', key: ['profile_id', 'delivery_seq'] },
  // Activation (6).
  {
    sqlite: 'activation_meta',
    key: ['id'],
    singleton: { postgresKey: ['id'], initial: { id: 1, definitions_version: 0, backfill_cursor: 0 } },
  },
  { sqlite: 'activation_definitions', key: ['kind', 'key'] },
  { sqlite: 'activation_profiles', key: ['profile_id'] },
  { sqlite: 'activation_memberships', key: ['profile_id', 'audience_key'] },
  {
    sqlite: 'activation_changes',
    key: ['id'],
    // The feed position PostgreSQL numbers at commit: SQLite's ids are already in commit order (one writer).
    columns: { feed_id: 't.id' },
  },
  // Subscriptions (7).
  { sqlite: 'sub_states', key: ['channel', 'address', 'topic'] },
  { sqlite: 'sub_history', key: ['id'] },
  // Churn (8).
  {
    sqlite: 'churn_refit',
    key: ['id'],
    singleton: { postgresKey: ['id'], initial: { id: 1, due_ms: 0, lease_owner: null, lease_until_ms: null } },
  },
  { sqlite: 'churn_fits', key: ['id'] },
  { sqlite: 'churn_bands', key: ['profile_id'] },
];

/**
 * Sequences that are not a column's default (the code calls nextval on them):
 * set past the largest value of these columns once copied. Identity and serial
 * columns are found in the catalog and need no entry here.
 */
export const STANDALONE_SEQUENCES: { sequence: string; columns: [table: string, column: string][] }[] = [
  {
    sequence: 'event_seq',
    columns: [
      ['events', 'seq'],
      ['seen_message_ids', 'seq'],
      ['id_fragments', 'created_seq'],
      ['id_identifiers', 'first_seen_seq'],
      ['id_trait_writes', 'seq'],
      ['id_consent_records', 'seq'],
      ['id_suppressions', 'last_dropped_seq'],
    ],
  },
  { sequence: 'id_fragment_ids', columns: [['id_fragments', 'id']] },
  { sequence: 'activation_feed_ids', columns: [['activation_changes', 'feed_id']] },
];

export const postgresTableOf = (spec: TableSpec): string => spec.postgres ?? spec.sqlite;
