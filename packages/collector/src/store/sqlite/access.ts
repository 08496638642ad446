/**
 * Sources and keys in SQLite: who may send and who may read. Keys are kept as
 * sha-256 digests (hex) with a masked hint; every change bumps one version
 * row, which is all a collector's keyring reads while nothing changes.
 */
import type { KeyInfo, Source } from '@exhaust/schema';
import type { Database } from 'better-sqlite3';
import type {
  AccessSeed,
  AccessSnapshot,
  KeyOwnerRef,
  NewKey,
  NewSource,
  SigningKeyRecord,
  SourceChanges,
} from '../store.js';

/**
 * Sender keys (issue 11): access_keys gains the kind 'sender', a key that can only check
 * subscriptions and report bounces. SQLite cannot alter a CHECK: the table is rebuilt.
 */
export const SENDER_KEYS_MIGRATION_SQL = `
  CREATE TABLE access_keys_v2 (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('write', 'admin', 'sender')),
    source_id TEXT REFERENCES access_sources (id),
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    from_config INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    CHECK ((kind = 'write') = (source_id IS NOT NULL))
  ) WITHOUT ROWID;
  INSERT INTO access_keys_v2 SELECT id, kind, source_id, hash, hint, from_config, created_at, revoked_at FROM access_keys;
  DROP TABLE access_keys;
  ALTER TABLE access_keys_v2 RENAME TO access_keys;
  CREATE INDEX access_keys_source ON access_keys (source_id);
`;

export const ACCESS_MIGRATION_SQL = `
  -- Sources that may send (not the table "sources": names events were recorded under).
  -- A config source's id is its name in the config file; API-created ones are src_...
  CREATE TABLE access_sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    allowed_origins TEXT NOT NULL,   -- JSON array of origins or "*"
    enabled INTEGER NOT NULL,
    from_config INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Write keys (of a source) and admin keys: the sha-256 only, never the key.
  CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('write', 'admin')),
    source_id TEXT REFERENCES access_sources (id),
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    from_config INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    CHECK ((kind = 'write') = (source_id IS NOT NULL))
  ) WITHOUT ROWID;
  CREATE INDEX access_keys_source ON access_keys (source_id);

  -- Bumped by every change to the two tables above; keyrings poll this one row.
  CREATE TABLE access_version (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    version INTEGER NOT NULL
  );
  INSERT INTO access_version (only, version) VALUES (1, 0);
`;

interface SourceRow {
  id: string;
  name: string;
  allowed_origins: string;
  enabled: number;
  from_config: number;
  created_at: string;
  updated_at: string;
}

interface KeyRow {
  id: string;
  kind: 'write' | 'admin' | 'sender';
  source_id: string | null;
  hash: string;
  hint: string;
  from_config: number;
  created_at: string;
  revoked_at: string | null;
}

const toKeyInfo = (row: KeyRow): KeyInfo => ({
  id: row.id,
  hint: row.hint,
  fromConfig: row.from_config === 1,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/** The access tables behind the Store port's source and key methods; callers open the transactions. */
/** Migration 16: unsubscribe-link signing keys in the database, shared by every collector on it. */
export const SIGNING_KEYS_MIGRATION_SQL = `
  CREATE TABLE signing_keys (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
`;

/** Stores the seed keys not stored yet, or the fallback when none is stored; answers all, oldest first. */
export function loadSqliteSigningKeys(
  db: Database,
  input: { seed: SigningKeyRecord[]; fallback: SigningKeyRecord },
): SigningKeyRecord[] {
  const insert = db.prepare('INSERT OR IGNORE INTO signing_keys (id, secret, created_at) VALUES (?, ?, ?)');
  for (const key of input.seed) insert.run(key.id, key.secret, key.createdAt);
  const stored = () =>
    db.prepare('SELECT id, secret, created_at AS createdAt FROM signing_keys ORDER BY seq').all() as SigningKeyRecord[];
  const keys = stored();
  if (keys.length > 0) return keys;
  insert.run(input.fallback.id, input.fallback.secret, input.fallback.createdAt);
  return stored();
}

export function createSqliteAccess(db: Database) {
  const sql = {
    version: db.prepare('SELECT version FROM access_version WHERE only = 1').pluck(),
    bump: db.prepare('UPDATE access_version SET version = version + 1 WHERE only = 1'),
    sources: db.prepare('SELECT * FROM access_sources ORDER BY created_at, id'),
    source: db.prepare('SELECT * FROM access_sources WHERE id = ?'),
    nameTaken: db.prepare('SELECT 1 FROM access_sources WHERE name = ? AND id <> ?').pluck(),
    insertSource: db.prepare(
      `INSERT INTO access_sources (id, name, allowed_origins, enabled, from_config, created_at, updated_at)
       VALUES (@id, @name, @allowedOrigins, @enabled, @fromConfig, @createdAt, @createdAt)`,
    ),
    updateSource: db.prepare(
      `UPDATE access_sources SET name = @name, allowed_origins = @allowedOrigins, enabled = @enabled,
       updated_at = @at WHERE id = @id`,
    ),
    // A config source takes the file's name and origins; `enabled` stays as the API set it.
    seedSource: db.prepare(
      `INSERT INTO access_sources (id, name, allowed_origins, enabled, from_config, created_at, updated_at)
       VALUES (@id, @name, @allowedOrigins, 1, 1, @at, @at)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins,
         from_config = 1,
         updated_at = CASE WHEN name = excluded.name AND allowed_origins = excluded.allowed_origins
                           THEN updated_at ELSE excluded.updated_at END`,
    ),
    keysOfSource: db.prepare(
      "SELECT * FROM access_keys WHERE kind = 'write' AND source_id = ? ORDER BY created_at, id",
    ),
    writeKeys: db.prepare("SELECT * FROM access_keys WHERE kind = 'write' ORDER BY created_at, id"),
    keysOfKind: db.prepare('SELECT * FROM access_keys WHERE kind = ? ORDER BY created_at, id'),
    key: db.prepare('SELECT * FROM access_keys WHERE id = ?'),
    keyByHash: db.prepare('SELECT * FROM access_keys WHERE hash = ?'),
    insertKey: db.prepare(
      `INSERT INTO access_keys (id, kind, source_id, hash, hint, from_config, created_at, revoked_at)
       VALUES (@id, @kind, @sourceId, @hash, @hint, @fromConfig, @createdAt, NULL)`,
    ),
    moveKey: db.prepare('UPDATE access_keys SET kind = ?, source_id = ?, from_config = 1 WHERE id = ?'),
    revoke: db.prepare('UPDATE access_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    configKeys: db.prepare('SELECT id, hash FROM access_keys WHERE from_config = 1 AND revoked_at IS NULL'),
    activeAdminKeys: db.prepare("SELECT COUNT(*) FROM access_keys WHERE kind = 'admin' AND revoked_at IS NULL").pluck(),
    activeKeys: db.prepare('SELECT kind, source_id, hash FROM access_keys WHERE revoked_at IS NULL'),
  };

  const bump = () => sql.bump.run();
  const toSource = (row: SourceRow, keys: KeyRow[]): Source => ({
    id: row.id,
    name: row.name,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    enabled: row.enabled === 1,
    fromConfig: row.from_config === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    keys: keys.map(toKeyInfo),
  });
  const getSource = (id: string): Source | null => {
    const row = sql.source.get(id) as SourceRow | undefined;
    return row ? toSource(row, sql.keysOfSource.all(id) as KeyRow[]) : null;
  };
  const ownerMatches = (row: KeyRow, owner: KeyOwnerRef) =>
    row.kind === owner.kind && (owner.kind !== 'write' || row.source_id === owner.sourceId);

  return {
    seed(seed: AccessSeed): void {
      const wanted = new Set<string>();
      const upsertKey = (key: NewKey, kind: 'write' | 'admin', sourceId: string | null) => {
        wanted.add(key.hash);
        const existing = sql.keyByHash.get(key.hash) as KeyRow | undefined;
        if (!existing) {
          sql.insertKey.run({ ...key, kind, sourceId, fromConfig: 1 });
        } else if (existing.kind !== kind || existing.source_id !== sourceId || existing.from_config !== 1) {
          // NOTE: a revoked key stays revoked even when the file still lists it.
          sql.moveKey.run(kind, sourceId, existing.id);
        }
      };
      for (const source of seed.sources) {
        sql.seedSource.run({
          id: source.id,
          name: source.name,
          allowedOrigins: JSON.stringify(source.allowedOrigins),
          at: seed.at,
        });
        for (const key of source.writeKeys) upsertKey(key, 'write', source.id);
      }
      for (const key of seed.adminKeys) upsertKey(key, 'admin', null);
      // Removing a key from the file revokes it, as it did before keys lived in the store.
      for (const { id, hash } of sql.configKeys.all() as Pick<KeyRow, 'id' | 'hash'>[]) {
        if (!wanted.has(hash)) sql.revoke.run(seed.at, id);
      }
      bump();
    },

    snapshot(knownVersion: number | null): AccessSnapshot | null {
      const version = sql.version.get() as number;
      if (version === knownVersion) return null;
      const sources = (sql.sources.all() as SourceRow[]).map((row) => ({
        id: row.id,
        name: row.name,
        allowedOrigins: JSON.parse(row.allowed_origins) as string[],
        enabled: row.enabled === 1,
      }));
      const keys = (sql.activeKeys.all() as Pick<KeyRow, 'kind' | 'source_id' | 'hash'>[]).map((row) => ({
        hash: row.hash,
        owner:
          row.kind === 'write'
            ? ({ kind: 'write', sourceId: row.source_id as string } as const)
            : ({ kind: row.kind } as const),
      }));
      return { version, sources, keys };
    },

    listSources(): Source[] {
      const keys = new Map<string, KeyRow[]>();
      for (const key of sql.writeKeys.all() as KeyRow[]) {
        const list = keys.get(key.source_id as string) ?? [];
        list.push(key);
        keys.set(key.source_id as string, list);
      }
      return (sql.sources.all() as SourceRow[]).map((row) => toSource(row, keys.get(row.id) ?? []));
    },

    getSource,

    createSource(source: NewSource): Source | 'name_taken' {
      if (sql.nameTaken.get(source.name, source.id)) return 'name_taken';
      sql.insertSource.run({
        ...source,
        allowedOrigins: JSON.stringify(source.allowedOrigins),
        enabled: source.enabled ? 1 : 0,
        fromConfig: 0,
      });
      bump();
      return getSource(source.id) as Source;
    },

    updateSource(id: string, changes: SourceChanges, at: string): Source | null | 'name_taken' {
      const current = getSource(id);
      if (!current) return null;
      const name = changes.name ?? current.name;
      if (sql.nameTaken.get(name, id)) return 'name_taken';
      sql.updateSource.run({
        id,
        name,
        allowedOrigins: JSON.stringify(changes.allowedOrigins ?? current.allowedOrigins),
        enabled: (changes.enabled ?? current.enabled) ? 1 : 0,
        at,
      });
      bump();
      return getSource(id);
    },

    addKey(owner: KeyOwnerRef, key: NewKey): KeyInfo | null {
      const sourceId = owner.kind === 'write' ? owner.sourceId : null;
      if (sourceId !== null && !sql.source.get(sourceId)) return null;
      sql.insertKey.run({ ...key, kind: owner.kind, sourceId, fromConfig: 0 });
      bump();
      return toKeyInfo(sql.key.get(key.id) as KeyRow);
    },

    revokeKey(owner: KeyOwnerRef, keyId: string, at: string): KeyInfo | null | 'last_admin_key' {
      const row = sql.key.get(keyId) as KeyRow | undefined;
      if (!row || !ownerMatches(row, owner)) return null;
      if (row.revoked_at === null) {
        if (row.kind === 'admin' && (sql.activeAdminKeys.get() as number) <= 1) return 'last_admin_key';
        sql.revoke.run(at, keyId);
        bump();
      }
      return toKeyInfo(sql.key.get(keyId) as KeyRow);
    },

    listKeys(kind: 'admin' | 'sender'): KeyInfo[] {
      return (sql.keysOfKind.all(kind) as KeyRow[]).map(toKeyInfo);
    },
  };
}

export type SqliteAccess = ReturnType<typeof createSqliteAccess>;
