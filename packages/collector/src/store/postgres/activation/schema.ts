/**
 * The activation tables in PostgreSQL (migration version 6): the SQLite shape
 * (see store/sqlite/activation/schema.ts for what each table means), keyed by
 * the canonical (root) fragment id, times in epoch milliseconds. Several
 * collectors evaluate the same profiles: each evaluation holds the profile's
 * root lock (locks.ts), and due rows are claimed with FOR UPDATE SKIP LOCKED
 * and a lease.
 */

/** SQL of migration version 6. */
export const ACTIVATION_MIGRATION_SQL = `
  -- One row: the definitions version and the backfill's position. Saves and backfill steps
  -- lock it (FOR UPDATE), so two collectors never both pass a version check or scan one chunk.
  CREATE TABLE activation_meta (
    id integer PRIMARY KEY CHECK (id = 1),
    definitions_version bigint NOT NULL,
    backfill_cursor bigint NOT NULL
  );
  INSERT INTO activation_meta (id, definitions_version, backfill_cursor) VALUES (1, 0, 0);

  CREATE TABLE activation_definitions (
    kind text NOT NULL,
    key text NOT NULL,
    definition text NOT NULL,
    status text NOT NULL,
    created_ms bigint NOT NULL,
    updated_ms bigint NOT NULL,
    backfill_upto bigint NOT NULL,
    PRIMARY KEY (kind, key)
  );

  CREATE TABLE activation_profiles (
    profile_id bigint PRIMARY KEY,
    evaluated_ms bigint NOT NULL,
    computed text NOT NULL,
    decays text,
    due_ms bigint,
    lease_owner text,
    lease_until_ms bigint
  );
  CREATE INDEX activation_profiles_due ON activation_profiles (due_ms) WHERE due_ms IS NOT NULL;
  CREATE INDEX activation_profiles_lease ON activation_profiles (lease_until_ms) WHERE lease_until_ms IS NOT NULL;

  CREATE TABLE activation_memberships (
    profile_id bigint NOT NULL,
    audience_key text NOT NULL,
    member boolean NOT NULL,
    seq integer NOT NULL,
    entered_ms bigint,
    PRIMARY KEY (profile_id, audience_key)
  );
  CREATE INDEX activation_memberships_members ON activation_memberships (audience_key, profile_id) WHERE member;

  -- The changes feed's order is feed_id, drawn just before COMMIT under one lock (see feed.ts), so
  -- it follows commit order: a reader's cursor never passes a change still to be committed.
  CREATE SEQUENCE activation_feed_ids AS bigint;
  CREATE TABLE activation_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed_id bigint UNIQUE,
    audience_key text NOT NULL,
    profile_id bigint NOT NULL,
    seq integer NOT NULL,
    entered boolean NOT NULL,
    reason text NOT NULL,
    at_ms bigint NOT NULL,
    message_id text NOT NULL
  );
  CREATE INDEX activation_changes_audience ON activation_changes (audience_key, feed_id);
  -- The writing transaction's own rows while it numbers them (no committed row lacks a feed_id).
  CREATE INDEX activation_changes_unnumbered ON activation_changes (id) WHERE feed_id IS NULL;
  -- Unlike SQLite (one writer), erasure here must not scan the whole change log under its locks.
  CREATE INDEX activation_changes_profile ON activation_changes (profile_id);
`;
