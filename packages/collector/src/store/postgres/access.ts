/**
 * Sources and keys in PostgreSQL (the SQLite store's access.ts, same rules):
 * keys as sha-256 digests with a masked hint; every change bumps one version
 * row, which is all each collector's keyring reads while nothing changes.
 * Every function runs inside a transaction the store opens.
 */
import type { KeyInfo, Source } from '@exhaust/schema';
import type {
  AccessSeed,
  AccessSnapshot,
  KeyOwnerRef,
  NewKey,
  NewSource,
  SigningKeyRecord,
  SourceChanges,
} from '../store.js';
import { LOCK_KEYS } from './locks.js';
import type { Queryable } from './pool.js';

/** SQL of migration version 3. */
export const ACCESS_MIGRATION_SQL = `
  CREATE TABLE access_sources (
    id text PRIMARY KEY,
    name text NOT NULL,
    allowed_origins text NOT NULL,   -- JSON array of origins or "*"
    enabled boolean NOT NULL,
    from_config boolean NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );

  CREATE TABLE access_keys (
    id text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('write', 'admin')),
    source_id text REFERENCES access_sources (id),
    hash text NOT NULL UNIQUE,
    hint text NOT NULL,
    from_config boolean NOT NULL,
    created_at text NOT NULL,
    revoked_at text,
    CHECK ((kind = 'write') = (source_id IS NOT NULL))
  );
  CREATE INDEX access_keys_source ON access_keys (source_id);

  -- Bumped by every change to the two tables above; keyrings poll this one row. Its row lock
  -- (FOR UPDATE, first statement of every change) also serializes changes across collectors.
  CREATE TABLE access_version (
    only_row boolean PRIMARY KEY CHECK (only_row),
    version bigint NOT NULL
  );
  INSERT INTO access_version (only_row, version) VALUES (true, 0);
`;

interface SourceRow {
  id: string;
  name: string;
  allowed_origins: string;
  enabled: boolean;
  from_config: boolean;
  created_at: string;
  updated_at: string;
}

interface KeyRow {
  id: string;
  kind: 'write' | 'admin' | 'sender';
  source_id: string | null;
  hash: string;
  hint: string;
  from_config: boolean;
  created_at: string;
  revoked_at: string | null;
}

const toKeyInfo = (row: KeyRow): KeyInfo => ({
  id: row.id,
  hint: row.hint,
  fromConfig: row.from_config,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

const toSource = (row: SourceRow, keys: KeyRow[]): Source => ({
  id: row.id,
  name: row.name,
  allowedOrigins: JSON.parse(row.allowed_origins) as string[],
  enabled: row.enabled,
  fromConfig: row.from_config,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  keys: keys.map(toKeyInfo),
});

const ORDER = 'ORDER BY created_at, id';

async function all<T>(db: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
  return (await db.query(text, values)).rows as T[];
}

/**
 * Takes the access version's row lock: concurrent changes from several
 * collectors then apply one after another, like SQLite's single writer.
 */
async function lockAccess(db: Queryable): Promise<void> {
  await db.query('SELECT version FROM access_version WHERE only_row FOR UPDATE');
}

/** Every change bumps the version, so keyrings reload. */
async function bump(db: Queryable): Promise<void> {
  await db.query('UPDATE access_version SET version = version + 1 WHERE only_row');
}

export async function getSource(db: Queryable, id: string): Promise<Source | null> {
  const [row] = await all<SourceRow>(db, 'SELECT * FROM access_sources WHERE id = $1', [id]);
  if (!row) return null;
  return toSource(
    row,
    await all<KeyRow>(db, `SELECT * FROM access_keys WHERE kind = 'write' AND source_id = $1 ${ORDER}`, [id]),
  );
}

const nameTaken = async (db: Queryable, name: string, id: string) =>
  (await db.query('SELECT 1 FROM access_sources WHERE name = $1 AND id <> $2', [name, id])).rowCount! > 0;

const keyById = async (db: Queryable, id: string) =>
  (await all<KeyRow>(db, 'SELECT * FROM access_keys WHERE id = $1', [id]))[0];

export async function seedAccess(db: Queryable, seed: AccessSeed): Promise<void> {
  await lockAccess(db);
  const wanted = new Set<string>();
  const upsertKey = async (key: NewKey, kind: 'write' | 'admin', sourceId: string | null) => {
    wanted.add(key.hash);
    const [existing] = await all<KeyRow>(db, 'SELECT * FROM access_keys WHERE hash = $1', [key.hash]);
    if (!existing) {
      await db.query(
        `INSERT INTO access_keys (id, kind, source_id, hash, hint, from_config, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, true, $6, NULL)`,
        [key.id, kind, sourceId, key.hash, key.hint, key.createdAt],
      );
    } else if (existing.kind !== kind || existing.source_id !== sourceId || !existing.from_config) {
      // NOTE: a revoked key stays revoked even when the file still lists it.
      await db.query('UPDATE access_keys SET kind = $1, source_id = $2, from_config = true WHERE id = $3', [
        kind,
        sourceId,
        existing.id,
      ]);
    }
  };
  for (const source of seed.sources) {
    // A config source takes the file's name and origins; `enabled` stays as the API set it.
    await db.query(
      `INSERT INTO access_sources (id, name, allowed_origins, enabled, from_config, created_at, updated_at)
       VALUES ($1, $2, $3, true, true, $4, $4)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins,
         from_config = true,
         updated_at = CASE WHEN access_sources.name = excluded.name
                            AND access_sources.allowed_origins = excluded.allowed_origins
                           THEN access_sources.updated_at ELSE excluded.updated_at END`,
      [source.id, source.name, JSON.stringify(source.allowedOrigins), seed.at],
    );
    for (const key of source.writeKeys) await upsertKey(key, 'write', source.id);
  }
  for (const key of seed.adminKeys) await upsertKey(key, 'admin', null);
  // Removing a key from the file revokes it.
  for (const { id, hash } of await all<KeyRow>(
    db,
    'SELECT id, hash FROM access_keys WHERE from_config AND revoked_at IS NULL',
  )) {
    if (!wanted.has(hash)) {
      await db.query('UPDATE access_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [seed.at, id]);
    }
  }
  await bump(db);
}

export async function accessSnapshot(db: Queryable, knownVersion: number | null): Promise<AccessSnapshot | null> {
  const [{ version }] = (await all<{ version: number }>(db, 'SELECT version FROM access_version WHERE only_row')) as [
    { version: number },
  ];
  if (version === knownVersion) return null;
  const sources = (await all<SourceRow>(db, `SELECT * FROM access_sources ${ORDER}`)).map((row) => ({
    id: row.id,
    name: row.name,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    enabled: row.enabled,
  }));
  const keys = (await all<KeyRow>(db, 'SELECT kind, source_id, hash FROM access_keys WHERE revoked_at IS NULL')).map(
    (row) => ({
      hash: row.hash,
      owner:
        row.kind === 'write' ? ({ kind: 'write', sourceId: row.source_id! } as const) : ({ kind: row.kind } as const),
    }),
  );
  return { version, sources, keys };
}

export async function listSources(db: Queryable): Promise<Source[]> {
  const keys = new Map<string, KeyRow[]>();
  for (const key of await all<KeyRow>(db, `SELECT * FROM access_keys WHERE kind = 'write' ${ORDER}`)) {
    const list = keys.get(key.source_id!) ?? [];
    list.push(key);
    keys.set(key.source_id!, list);
  }
  return (await all<SourceRow>(db, `SELECT * FROM access_sources ${ORDER}`)).map((row) =>
    toSource(row, keys.get(row.id) ?? []),
  );
}

export async function createSource(db: Queryable, source: NewSource): Promise<Source | 'name_taken'> {
  await lockAccess(db);
  if (await nameTaken(db, source.name, source.id)) return 'name_taken';
  await db.query(
    `INSERT INTO access_sources (id, name, allowed_origins, enabled, from_config, created_at, updated_at)
     VALUES ($1, $2, $3, $4, false, $5, $5)`,
    [source.id, source.name, JSON.stringify(source.allowedOrigins), source.enabled, source.createdAt],
  );
  await bump(db);
  return (await getSource(db, source.id))!;
}

export async function updateSource(
  db: Queryable,
  id: string,
  changes: SourceChanges,
  at: string,
): Promise<Source | null | 'name_taken'> {
  await lockAccess(db);
  const current = await getSource(db, id);
  if (!current) return null;
  const name = changes.name ?? current.name;
  if (await nameTaken(db, name, id)) return 'name_taken';
  await db.query(
    'UPDATE access_sources SET name = $2, allowed_origins = $3, enabled = $4, updated_at = $5 WHERE id = $1',
    [
      id,
      name,
      JSON.stringify(changes.allowedOrigins ?? current.allowedOrigins),
      changes.enabled ?? current.enabled,
      at,
    ],
  );
  await bump(db);
  return getSource(db, id);
}

export async function addKey(db: Queryable, owner: KeyOwnerRef, key: NewKey): Promise<KeyInfo | null> {
  await lockAccess(db);
  const sourceId = owner.kind === 'write' ? owner.sourceId : null;
  if (sourceId !== null && (await db.query('SELECT 1 FROM access_sources WHERE id = $1', [sourceId])).rowCount === 0) {
    return null;
  }
  await db.query(
    `INSERT INTO access_keys (id, kind, source_id, hash, hint, from_config, created_at, revoked_at)
     VALUES ($1, $2, $3, $4, $5, false, $6, NULL)`,
    [key.id, owner.kind, sourceId, key.hash, key.hint, key.createdAt],
  );
  await bump(db);
  return toKeyInfo((await keyById(db, key.id))!);
}

export async function revokeKey(
  db: Queryable,
  owner: KeyOwnerRef,
  keyId: string,
  at: string,
): Promise<KeyInfo | null | 'last_admin_key'> {
  await lockAccess(db);
  const row = await keyById(db, keyId);
  const ownerMatches = row && row.kind === owner.kind && (owner.kind !== 'write' || row.source_id === owner.sourceId);
  if (!row || !ownerMatches) return null;
  if (row.revoked_at === null) {
    if (row.kind === 'admin') {
      const [{ n }] = (await all<{ n: number }>(
        db,
        "SELECT count(*) AS n FROM access_keys WHERE kind = 'admin' AND revoked_at IS NULL",
      )) as [{ n: number }];
      if (n <= 1) return 'last_admin_key';
    }
    await db.query('UPDATE access_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, keyId]);
    await bump(db);
  }
  return toKeyInfo((await keyById(db, keyId))!);
}

/** Admin or sender keys, oldest first, revoked included. */
export async function listKeys(db: Queryable, kind: 'admin' | 'sender'): Promise<KeyInfo[]> {
  return (await all<KeyRow>(db, `SELECT * FROM access_keys WHERE kind = $1 ${ORDER}`, [kind])).map(toKeyInfo);
}

/** SQL of migration version 4's access part: sender keys (check subscriptions, report bounces). */
export const SENDER_KEYS_MIGRATION_SQL = `
  ALTER TABLE access_keys DROP CONSTRAINT access_keys_kind_check;
  ALTER TABLE access_keys ADD CONSTRAINT access_keys_kind_check CHECK (kind IN ('write', 'admin', 'sender'));
`;

/** Migration 10: unsubscribe-link signing keys, shared by every collector on the database. */
export const SIGNING_KEYS_MIGRATION_SQL = `
  CREATE TABLE signing_keys (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    secret text NOT NULL,
    created_at text NOT NULL
  );
`;

/**
 * Stores the seed keys not stored yet, or the fallback when none is stored; answers all, oldest
 * first. Under a transaction lock: collectors starting at once store one fallback between them.
 */
export async function loadSigningKeys(
  db: Queryable,
  input: { seed: SigningKeyRecord[]; fallback: SigningKeyRecord },
): Promise<SigningKeyRecord[]> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEYS.signingKeys]);
  const insert = 'INSERT INTO signing_keys (id, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING';
  for (const key of input.seed) await db.query(insert, [key.id, key.secret, key.createdAt]);
  const stored = async () =>
    (await db.query<SigningKeyRecord>('SELECT id, secret, created_at AS "createdAt" FROM signing_keys ORDER BY seq'))
      .rows;
  const keys = await stored();
  if (keys.length > 0) return keys;
  await db.query(insert, [input.fallback.id, input.fallback.secret, input.fallback.createdAt]);
  return stored();
}
