/**
 * The identity tables in PostgreSQL (migration version 2): the SQLite shape
 * (see store/sqlite/identity/schema.ts for what each table means), with ids
 * from sequences shared by every collector.
 */

/** SQL of migration version 2. */
export const IDENTITY_MIGRATION_SQL = `
  CREATE SEQUENCE id_fragment_ids AS bigint;
  -- No foreign key from merged_into to this table: merges keep it pointing at a live fragment
  -- (as on SQLite, where the self-reference made every merge rewrite the row's indexes).
  CREATE TABLE id_fragments (
    id bigint PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    created_seq bigint NOT NULL,
    created_at text NOT NULL,
    merged_into bigint,
    canonical_id bigint NOT NULL,
    holding_for text UNIQUE
  );
  CREATE INDEX id_fragments_canonical ON id_fragments (canonical_id);
  CREATE INDEX id_fragments_merged_into ON id_fragments (merged_into);
  -- listProfiles walks the roots newest first.
  CREATE INDEX id_fragments_roots ON id_fragments (id) WHERE canonical_id = id;

  -- The (type, value) primary key is the race guard: one owner per identifier, ever.
  CREATE TABLE id_identifiers (
    type text NOT NULL,
    value text NOT NULL,
    fragment_id bigint NOT NULL REFERENCES id_fragments (id),
    contested boolean NOT NULL DEFAULT false,
    first_seen text NOT NULL,
    first_seen_seq bigint NOT NULL,
    PRIMARY KEY (type, value)
  );
  CREATE INDEX id_identifiers_fragment ON id_identifiers (fragment_id);

  CREATE TABLE id_trait_writes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fragment_id bigint NOT NULL REFERENCES id_fragments (id),
    key text NOT NULL,
    value text NOT NULL,
    ts_ms bigint NOT NULL,
    seq bigint NOT NULL,
    message_id text NOT NULL
  );
  CREATE INDEX id_trait_writes_fragment ON id_trait_writes (fragment_id);

  CREATE TABLE id_consent_records (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fragment_id bigint NOT NULL REFERENCES id_fragments (id),
    category text NOT NULL,
    granted boolean NOT NULL,
    ts_ms bigint NOT NULL,
    seq bigint NOT NULL,
    message_id text NOT NULL
  );
  CREATE INDEX id_consent_records_fragment ON id_consent_records (fragment_id);

  CREATE TABLE id_merges (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loser bigint NOT NULL,
    survivor bigint NOT NULL,
    trigger_message_id text,
    reason text NOT NULL,
    refused_code text,
    active boolean NOT NULL,
    at text NOT NULL
  );
  CREATE INDEX id_merges_loser ON id_merges (loser);
  CREATE INDEX id_merges_survivor ON id_merges (survivor);

  CREATE TABLE id_deletions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    at text NOT NULL,
    profiles integer NOT NULL,
    identifiers integer NOT NULL,
    events integer NOT NULL,
    trait_writes integer NOT NULL,
    consent_records integer NOT NULL,
    merges integer NOT NULL,
    suppressed integer NOT NULL
  );

  CREATE TABLE id_suppressions (
    hash bytea PRIMARY KEY,
    deletion_id bigint NOT NULL REFERENCES id_deletions (id),
    dropped_events bigint NOT NULL DEFAULT 0
  );
`;
