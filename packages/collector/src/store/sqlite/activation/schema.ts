/**
 * The activation tables (issue 9). Profiles are keyed by their canonical
 * (root) fragment id, like every identity table: a merge retires the loser's
 * rows, an unmerge re-evaluates both sides, an erasure deletes every row of
 * the person's fragments. Times are epoch milliseconds.
 */

/** SQL of the activation migration, appended to `MIGRATIONS`. */
export const ACTIVATION_MIGRATION_SQL = `
  -- One row: the definitions version (bumped by every create, replace and delete) and the
  -- backfill's position (the highest fragment id evaluated by the current backfill scan).
  CREATE TABLE activation_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    definitions_version INTEGER NOT NULL,
    backfill_cursor INTEGER NOT NULL
  );
  INSERT INTO activation_meta (id, definitions_version, backfill_cursor) VALUES (1, 0, 0);

  -- kind: computedTrait | audience. backfill_upto: the highest fragment id when the definition was
  -- (re)saved; the backfill evaluates every profile up to it, later ones are evaluated by ingest.
  CREATE TABLE activation_definitions (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    definition TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    backfill_upto INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;

  -- Per evaluated profile: when it was last evaluated, its computed values (one JSON object:
  -- one row write per evaluation instead of one per trait), decaying scores' curves (so a reader
  -- shows a score as it is now), and when it next changes with no new event (due_ms), claimed by
  -- a scheduler with a lease. The alarm clock reads due_ms.
  CREATE TABLE activation_profiles (
    profile_id INTEGER PRIMARY KEY,
    evaluated_ms INTEGER NOT NULL,
    computed TEXT NOT NULL,
    decays TEXT,
    due_ms INTEGER,
    lease_owner TEXT,
    lease_until_ms INTEGER
  );
  CREATE INDEX activation_profiles_due ON activation_profiles (due_ms) WHERE due_ms IS NOT NULL;
  CREATE INDEX activation_profiles_lease ON activation_profiles (lease_until_ms) WHERE lease_until_ms IS NOT NULL;

  -- Membership per (profile, audience); an exited row stays (member = 0) so seq keeps increasing.
  CREATE TABLE activation_memberships (
    profile_id INTEGER NOT NULL,
    audience_key TEXT NOT NULL,
    member INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    entered_ms INTEGER,
    PRIMARY KEY (profile_id, audience_key)
  ) WITHOUT ROWID;
  CREATE INDEX activation_memberships_members ON activation_memberships (audience_key, profile_id) WHERE member = 1;

  -- Every emitted change, one per Audience Entered / Audience Exited event; id is the feed's cursor.
  CREATE TABLE activation_changes (
    id INTEGER PRIMARY KEY,
    audience_key TEXT NOT NULL,
    profile_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    entered INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    message_id TEXT NOT NULL
  );
  -- NOTE: no index by profile: only erasure looks rows up that way, and every index is
  -- written in the ingest transaction.
  CREATE INDEX activation_changes_audience ON activation_changes (audience_key, id);
`;
