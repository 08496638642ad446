/**
 * The subscription tables (issue 11). Keyed by (channel, address), never by
 * profile, so merges and unmerges cannot lose an opt-out. History is append
 * only. Contact suppressions are hashes of erased addresses that may never be
 * subscribed again (separate from the event suppression list of identity).
 */

export const SUBSCRIPTIONS_MIGRATION_SQL = `
  -- One row per channel status (topic '') and per topic status of an address.
  -- at_ms is when the change happened (decides conflicts), source where it came from.
  CREATE TABLE sub_states (
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    topic TEXT NOT NULL,
    status TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    proof TEXT,                       -- JSON { ip?, text? } or null
    PRIMARY KEY (channel, address, topic)
  ) WITHOUT ROWID;
  -- Export by channel and status walks this instead of every row.
  CREATE INDEX sub_states_status ON sub_states (status, channel, address, topic);

  -- Every change ever applied, with the status it replaced. AUTOINCREMENT: an id is never
  -- given twice (erasure deletes rows), as it names the change's timeline event.
  CREATE TABLE sub_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    topic TEXT NOT NULL,
    status TEXT NOT NULL,
    previous TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    proof TEXT,
    recorded_at TEXT NOT NULL
  );
  CREATE INDEX sub_history_address ON sub_history (channel, address, id);

  -- sha-256 of "kind:address" (kind email, phone or push) of erased people's addresses.
  CREATE TABLE sub_contact_suppressions (
    hash BLOB PRIMARY KEY,
    deletion_id TEXT NOT NULL
  ) WITHOUT ROWID;
`;
