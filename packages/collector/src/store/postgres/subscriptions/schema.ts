/**
 * The subscription tables on PostgreSQL (the SQLite store's, same meaning):
 * keyed by (channel, address), never by profile, so merges and unmerges cannot
 * lose an opt-out. History is append only. The contact suppression list
 * (`sub_contact_suppressions`) came with migration 4, written by erasure.
 */

/** SQL of the subscriptions migration. */
export const SUBSCRIPTIONS_MIGRATION_SQL = `
  -- One row per channel status (topic '') and per topic status of an address. COLLATE "C":
  -- export pages walk (channel, address, topic) in byte order, as on SQLite, whatever the
  -- database's locale. at_ms is when the change happened (decides conflicts).
  CREATE TABLE sub_states (
    channel text COLLATE "C" NOT NULL,
    address text COLLATE "C" NOT NULL,
    topic text COLLATE "C" NOT NULL,
    status text NOT NULL,
    at_ms bigint NOT NULL,
    source text NOT NULL,
    proof text,                       -- JSON { ip?, text? } or null, kept as text: byte-identical reads
    PRIMARY KEY (channel, address, topic)
  );
  -- Export by channel and status walks this instead of every row.
  CREATE INDEX sub_states_status ON sub_states (status, channel, address, topic);

  -- Every change ever applied, with the status it replaced. An identity never gives an id twice
  -- (erasure deletes rows), as it names the change's timeline event.
  CREATE TABLE sub_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel text NOT NULL,
    address text NOT NULL,
    topic text NOT NULL,
    status text NOT NULL,
    previous text NOT NULL,
    at_ms bigint NOT NULL,
    source text NOT NULL,
    proof text,
    recorded_at text NOT NULL
  );
  CREATE INDEX sub_history_address ON sub_history (channel, address, id);
`;
