/**
 * The identity tables (migration version 2). Fragments are the unit of
 * attribution: every identifier, event, trait write and consent record belongs
 * to exactly one fragment, and merges only link fragments, so unmerge and
 * erasure are exact. `canonical_id` is the materialized root of the merge tree,
 * updated inside the merge transaction.
 */

/** SQL of migration version 2, appended to `MIGRATIONS`. */
export const IDENTITY_MIGRATION_SQL = `
  -- public_id is the opaque profile id clients see (never a rowid, never contains ':').
  -- merged_into is the fragment it was merged into (null for a root); canonical_id the root.
  -- holding_for is set on holding profiles ("type:value" of a contested identifier).
  CREATE TABLE id_fragments (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    created_seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    merged_into INTEGER REFERENCES id_fragments (id),
    canonical_id INTEGER NOT NULL,
    holding_for TEXT UNIQUE
  );
  CREATE INDEX id_fragments_canonical ON id_fragments (canonical_id);
  -- NOT partial: the self-referencing foreign key needs a full index on merged_into, or every
  -- update of a fragment scans the whole table for children (measured 4x slower merges).
  CREATE INDEX id_fragments_merged_into ON id_fragments (merged_into);

  -- The (type, value) primary key is the race guard: one owner per identifier, ever.
  CREATE TABLE id_identifiers (
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    fragment_id INTEGER NOT NULL REFERENCES id_fragments (id),
    contested INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    first_seen_seq INTEGER NOT NULL,
    PRIMARY KEY (type, value)
  ) WITHOUT ROWID;
  CREATE INDEX id_identifiers_fragment ON id_identifiers (fragment_id);

  -- Every trait write is kept; the profile shows the newest per key (policy section 4).
  CREATE TABLE id_trait_writes (
    id INTEGER PRIMARY KEY,
    fragment_id INTEGER NOT NULL REFERENCES id_fragments (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    message_id TEXT NOT NULL
  );
  CREATE INDEX id_trait_writes_fragment ON id_trait_writes (fragment_id);

  -- Consent history: one row per category per event that carried preferences.
  CREATE TABLE id_consent_records (
    id INTEGER PRIMARY KEY,
    fragment_id INTEGER NOT NULL REFERENCES id_fragments (id),
    category TEXT NOT NULL,
    granted INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    message_id TEXT NOT NULL
  );
  CREATE INDEX id_consent_records_fragment ON id_consent_records (fragment_id);

  -- Append-only merge history. reason: event | admin | unmerge. A refused link is
  -- recorded with its warning code in refused_code (and active = 0).
  CREATE TABLE id_merges (
    id INTEGER PRIMARY KEY,
    loser INTEGER NOT NULL,
    survivor INTEGER NOT NULL,
    trigger_message_id TEXT,
    reason TEXT NOT NULL,
    refused_code TEXT,
    active INTEGER NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX id_merges_loser ON id_merges (loser);
  CREATE INDEX id_merges_survivor ON id_merges (survivor);

  -- Erasure records: counts only, no personal data.
  CREATE TABLE id_deletions (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    profiles INTEGER NOT NULL,
    identifiers INTEGER NOT NULL,
    events INTEGER NOT NULL,
    trait_writes INTEGER NOT NULL,
    consent_records INTEGER NOT NULL,
    merges INTEGER NOT NULL,
    suppressed INTEGER NOT NULL
  );

  -- sha-256 of "type:value" of erased identifiers; events carrying one are dropped and counted.
  CREATE TABLE id_suppressions (
    hash BLOB PRIMARY KEY,
    deletion_id INTEGER NOT NULL REFERENCES id_deletions (id),
    dropped_events INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
`;
