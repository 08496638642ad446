/**
 * The synchronous heart of the SQLite store: it owns the better-sqlite3
 * connection and does every read and write. It runs either on a worker thread
 * (production: HTTP never waits on SQLite) or inline on the caller's thread.
 * Async concerns (group commit, RPC) live in `engine-host.ts`.
 */
import type { EventWarning, MessageType, Page, StoredEvent, WebhookBodyType } from '@exhaust/schema';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig } from '../../identity/config.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  ChangeQuery,
  ClaimDeliveriesInput,
  ClaimDueInput,
  CreateWebhookInput,
  DefinitionKind,
  DeliveryQuery,
  EventQuery,
  IncomingEvent,
  IngestOutcome,
  PageQuery,
  ProfileActivationState,
  ProfileRef,
  RecordAttemptInput,
  RotateSecretInput,
  SaveDefinitionInput,
  Store,
  WebhookPatch,
} from '../store.js';
import { EXHAUST_SOURCE, SqliteActivation, type SystemEvent } from './activation/index.js';
import { createSqliteIdentity, type SqliteIdentity } from './identity/index.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { messageHash, type PreparedEvent, prepareEvent } from './prepared-event.js';
import { SqliteWebhooks } from './webhooks/index.js';

/** How long a statement waits for a lock held by another connection before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/**
 * WAL pages (4 KiB) before a commit also checkpoints them into the database.
 * SQLite's default (1000, ~4 MB) made checkpoints most of each group commit's
 * cost here (measured: ~9-12 ms vs ~4-6 ms per 500-event commit at 4000).
 * 16000 (~64 MB of WAL on disk) lets one checkpoint write a random-keyed dedupe
 * leaf dirtied by many commits once: store thread 25.5 -> 24.5 and 24.0 -> 22.5
 * us CPU per event at track batch 20 (bench/ingest-cpu.bench.mjs, two pairs).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 16_000;
/** Page cache of the connection, in KiB: keeps the dedupe index's hot pages in memory. */
export const PAGE_CACHE_KIB = 32 * 1024;

export interface EngineOptions {
  /** Path of the database file (created with its folder's permissions if missing). */
  file: string;
  identity?: IdentityConfig;
  /** Migrations to run; defaults to `MIGRATIONS` (tests may pass a prefix). */
  migrations?: Migration[];
}

/** Result of one request in a group commit: its outcomes, or why it alone failed. */
export type GroupResult = { ok: true; value: IngestOutcome[] } | { ok: false; error: unknown };

interface EventRow {
  seq: number;
  source: string;
  message_id: string;
  type: MessageType;
  received_at: string;
  fragment_id: number | null;
  payload: string;
}

interface WarningRow {
  code: EventWarning['code'];
  detail: string | null;
}

/** Applies every migration newer than the database's version, each in its own transaction. */
export function migrate(db: Database, migrations: Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this collector knows (${latest})`);
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    // `PRAGMA foreign_keys` is a no-op inside a transaction: switch it around the migration's.
    const keysWereOn = migration.rebuildsTables === true && db.pragma('foreign_keys', { simple: true }) === 1;
    if (keysWereOn) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.rebuildsTables && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
          throw new Error(`migration ${migration.version} would leave dangling foreign keys`);
        }
        record.run(migration.version, migration.name, new Date().toISOString());
      }).immediate();
    } finally {
      if (keysWereOn) db.pragma('foreign_keys = ON');
    }
  }
  return latest;
}

/** The Store port with every method synchronous: what the engine must offer, by the same names. */
export type SyncStore = {
  [K in keyof Store]: (...args: Parameters<Store[K]>) => Awaited<ReturnType<Store[K]>>;
};

export class SqliteEngine implements SyncStore {
  readonly #db: Database;
  readonly #identity: SqliteIdentity;
  readonly #identityConfig: IdentityConfig;
  readonly #activation: SqliteActivation;
  readonly #webhooks: SqliteWebhooks;
  #nextSeq: number;
  #closed = false;
  /** Sources known to have sent, mirrored from the `sources` table. */
  readonly #sources = new Set<string>();
  readonly #sql: {
    begin: Statement<[]>;
    commit: Statement<[]>;
    savepoint: Statement<[]>;
    release: Statement<[]>;
    rollbackTo: Statement<[]>;
    addSource: Statement<[string]>;
    seen: Statement<[Uint8Array, number]>;
    seqOf: Statement<[Buffer]>;
    eventBySeq: Statement<[number]>;
    insertEvent: Statement<unknown[]>;
    insertWarning: Statement<unknown[]>;
    warningsOf: Statement<[string, string]>;
  };

  constructor(options: EngineOptions) {
    const db = new BetterSqlite3(options.file);
    this.#db = db;
    try {
      // WAL + synchronous=FULL: COMMIT returns only after the WAL is fsynced, so an
      // acknowledged event survives a process kill or power loss.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      db.pragma('foreign_keys = ON');
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      migrate(db, options.migrations);
      this.#identityConfig = options.identity ?? DEFAULT_IDENTITY_CONFIG;
      this.#identity = createSqliteIdentity(db, this.#identityConfig);
      this.#nextSeq = ((db.prepare('SELECT MAX(seq) AS s FROM events').get() as { s: number | null }).s ?? 0) + 1;
      this.#sql = {
        // Transaction control is prepared once: exec() would re-parse it per request.
        begin: db.prepare('BEGIN IMMEDIATE'),
        commit: db.prepare('COMMIT'),
        savepoint: db.prepare('SAVEPOINT request'),
        release: db.prepare('RELEASE request'),
        rollbackTo: db.prepare('ROLLBACK TO request'),
        addSource: db.prepare('INSERT OR IGNORE INTO sources (name) VALUES (?)'),
        seen: db.prepare('INSERT OR IGNORE INTO seen_message_ids (hash, seq) VALUES (?, ?)'),
        seqOf: db.prepare('SELECT seq FROM seen_message_ids WHERE hash = ?'),
        eventBySeq: db.prepare('SELECT * FROM events WHERE seq = ?'),
        insertEvent: db.prepare(
          `INSERT INTO events (seq, source, message_id, type, event, ts, received_at, fragment_id, payload)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
        insertWarning: db.prepare(
          'INSERT INTO ingestion_warnings (source, message_id, code, detail, at) VALUES (?, ?, ?, ?, ?)',
        ),
        warningsOf: db.prepare(
          'SELECT code, detail FROM ingestion_warnings WHERE message_id = ? AND source = ? ORDER BY id',
        ),
      };
      for (const name of db.prepare('SELECT name FROM sources').pluck().all() as string[]) this.#sources.add(name);
      this.#webhooks = new SqliteWebhooks(db);
      this.#activation = new SqliteActivation(db, (event) => this.#appendSystemEvent(event), {
        active: () => this.#webhooks.wants('computed.changed'),
        changed: (rootId, key, previous, value, now) => this.#outboxComputed(rootId, key, previous, value, now),
      });
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The connection, for identity and tests; nothing outside the SQLite store may use it. */
  get db(): Database {
    return this.#db;
  }

  /**
   * Stores many requests' events in ONE transaction (one fsync), each request
   * inside its own savepoint so that a failure rolls back that request only.
   */
  ingestGroup(requests: PreparedEvent[][]): GroupResult[] {
    const results: GroupResult[] = [];
    const db = this.#db;
    const sql = this.#sql;
    const sourcesBefore = new Set(this.#sources);
    sql.begin.run();
    this.#webhooks.refresh();
    this.#identity.beginGroup();
    const activation = this.#activation;
    activation.beginGroup();
    try {
      for (const events of requests) {
        sql.savepoint.run();
        const seqBefore = this.#nextSeq;
        try {
          const value = events.map((event) => this.#ingestOne(event));
          // Definitions are evaluated once per touched profile per request, in its savepoint.
          if (activation.active) activation.flushRequest(Date.now());
          sql.release.run();
          results.push({ ok: true, value });
        } catch (error) {
          sql.rollbackTo.run();
          sql.release.run();
          this.#nextSeq = seqBefore;
          activation.discardRequest();
          // Rowids of rolled-back fragments will be given again: forget what was cached about them.
          this.#identity.beginGroup();
          results.push({ ok: false, error });
        }
      }
      sql.commit.run();
    } catch (error) {
      // COMMIT itself failed (disk full, I/O error): nothing of the group is durable.
      if (db.inTransaction) db.exec('ROLLBACK');
      this.#sources.clear();
      for (const name of sourcesBefore) this.#sources.add(name);
      return requests.map(() => ({ ok: false, error }));
    }
    return results;
  }

  /** The pure part of ingest, for this store's identity config; may run on any thread. */
  prepare(event: IncomingEvent): PreparedEvent {
    return prepareEvent(event, this.#identityConfig);
  }

  /** One request in its own transaction. */
  ingest(events: IncomingEvent[]): IngestOutcome[] {
    const [result] = this.ingestGroup([events.map((event) => this.prepare(event))]);
    if (!result?.ok) throw result?.error;
    return result.value;
  }

  #ingestOne(event: PreparedEvent): IngestOutcome {
    if (!this.#sources.has(event.source)) {
      // NOTE: a rolled-back request may leave a name here that is not in the table; a
      // lookup through it then merely finds nothing.
      this.#sql.addSource.run(event.source);
      this.#sources.add(event.source);
    }
    if (this.#sql.seen.run(event.hash, this.#nextSeq).changes === 0) {
      const warnings: EventWarning[] = [{ code: 'duplicate_message_id', detail: null }];
      this.#recordWarnings(event, warnings);
      return { status: 'duplicate', profileId: null, warnings };
    }
    const seq = this.#nextSeq++;
    const resolution = this.#identity.resolve(event, seq);
    const warnings = [...event.warnings, ...resolution.warnings];
    if (resolution.suppressed) {
      this.#recordWarnings(event, warnings);
      return { status: 'suppressed', profileId: null, warnings };
    }
    this.#sql.insertEvent.run(
      seq,
      event.source,
      event.messageId,
      event.type,
      event.eventName,
      event.timestamp,
      event.receivedAt,
      resolution.fragmentId,
      event.payload,
    );
    this.#recordWarnings(event, warnings);
    if (this.#activation.active && resolution.rootId !== null) {
      this.#activation.noteEvent(event, resolution.rootId, resolution.mergedRoots);
    }
    const webhooks = this.#webhooks;
    if (webhooks.wants('event.received')) this.#outboxEvent(event, resolution.profileId);
    if (resolution.mergedRoots.length > 0 && webhooks.wants('profile.merged') && resolution.profileId !== null) {
      for (const loser of resolution.mergedRoots) {
        const merged = webhooks.publicId(loser);
        if (merged !== null) this.#outboxMerged(resolution.profileId, merged, Date.now());
      }
    }
    return { status: 'stored', profileId: resolution.profileId, warnings };
  }

  /** `event.received`: the stored message is spliced in as it is, never parsed again. */
  #outboxEvent(event: PreparedEvent, profileId: string | null): void {
    const head = JSON.stringify({
      messageId: event.messageId,
      type: event.type,
      source: event.source,
      profileId,
      receivedAt: event.receivedAt,
    });
    this.#webhooks.enqueue(
      {
        type: 'event.received',
        timestamp: event.receivedAt,
        dataJson: `${head.slice(0, -1)},"message":${event.payload}}`,
        facets: { eventName: event.eventName, messageType: event.type },
      },
      Date.now(),
    );
  }

  #outboxMerged(survivor: string, merged: string, now: number): void {
    const data = { survivor, merged };
    this.#webhooks.enqueue(
      { type: 'profile.merged', timestamp: new Date(now).toISOString(), dataJson: JSON.stringify(data), facets: {} },
      now,
    );
  }

  /** `computed.changed`, ordered per profile and trait. */
  #outboxComputed(rootId: number, key: string, previous: string | null, value: string, now: number): void {
    const profileId = this.#webhooks.publicId(rootId);
    if (profileId === null) return;
    const head = JSON.stringify({ traitKey: key, profileId });
    this.#webhooks.enqueue(
      {
        type: 'computed.changed',
        timestamp: new Date(now).toISOString(),
        dataJson: `${head.slice(0, -1)},"value":${value},"previous":${previous ?? 'null'}}`,
        facets: { traitKey: key },
        ordering: { key: `${profileId}/computed/${key}`, seq: null },
      },
      now,
    );
  }

  /** `audience.entered` / `audience.exited`, from the lifecycle event the activation store appends. */
  #outboxAudience(event: SystemEvent): void {
    const entered = event.eventName === 'Audience Entered';
    const type = entered ? 'audience.entered' : 'audience.exited';
    if (!this.#webhooks.wants(type)) return;
    const message = JSON.parse(event.payload) as {
      properties: { reason: string };
      context: { exhaust: { key: string; seq: number; profileId: string } };
    };
    const { key, seq, profileId } = message.context.exhaust;
    const profile = this.#identity.getProfile({ id: profileId });
    const data = {
      audienceKey: key,
      seq,
      reason: message.properties.reason,
      profile: {
        id: profileId,
        identifiers: (profile?.identifiers ?? []).map(({ type: t, value }) => ({ type: t, value })),
        traits: profile?.traits ?? {},
      },
    };
    this.#webhooks.enqueue(
      {
        type,
        timestamp: event.at,
        dataJson: JSON.stringify(data),
        facets: { audienceKey: key },
        ordering: { key: `${profileId}/${key}`, seq },
      },
      Date.now(),
    );
  }

  /** Appends an event the collector writes itself (an audience lifecycle event) to the timeline. */
  #appendSystemEvent(event: SystemEvent): void {
    if (!this.#sources.has(EXHAUST_SOURCE)) {
      this.#sql.addSource.run(EXHAUST_SOURCE);
      this.#sources.add(EXHAUST_SOURCE);
    }
    const seq = this.#nextSeq++;
    this.#sql.seen.run(messageHash(EXHAUST_SOURCE, event.messageId), seq);
    this.#sql.insertEvent.run(
      seq,
      EXHAUST_SOURCE,
      event.messageId,
      'track',
      event.eventName,
      event.at,
      event.at,
      event.fragmentId,
      event.payload,
    );
    if (event.eventName === 'Audience Entered' || event.eventName === 'Audience Exited') this.#outboxAudience(event);
  }

  #recordWarnings(event: PreparedEvent, warnings: EventWarning[]): void {
    for (const warning of warnings) {
      this.#sql.insertWarning.run(event.source, event.messageId, warning.code, warning.detail, event.receivedAt);
    }
  }

  listEvents(query: EventQuery): Page<StoredEvent> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.cursor) {
      where.push('seq < ?');
      params.push(decodeCursor(query.cursor));
    }
    if (query.type) {
      where.push('type = ?');
      params.push(query.type);
    }
    if (query.event) {
      where.push('event = ?');
      params.push(query.event);
    }
    if (query.since) {
      where.push('ts >= ?');
      params.push(query.since);
    }
    if (query.until) {
      where.push('ts < ?');
      params.push(query.until);
    }
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return this.#page(this.#db.prepare(sql).all(...params, query.limit + 1) as EventRow[], query.limit);
  }

  getEvent(messageId: string, source?: string): StoredEvent | null {
    for (const name of source === undefined ? this.#sources : [source]) {
      const seq = this.#sql.seqOf.pluck().get(messageHash(name, messageId)) as number | undefined;
      const row = seq === undefined ? undefined : (this.#sql.eventBySeq.get(seq) as EventRow | undefined);
      if (row) return this.#toStoredEvent(row);
    }
    return null;
  }

  listProfiles(query: PageQuery) {
    return this.#identity.listProfiles(query);
  }

  getProfile(ref: ProfileRef) {
    return this.#identity.getProfile(ref);
  }

  listProfileEvents(ref: ProfileRef, query: PageQuery): Page<StoredEvent> | null {
    const fragments = this.#identity.profileFragments(ref);
    if (fragments === null) return null;
    const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
    const rows = this.#db
      .prepare(
        `SELECT * FROM events WHERE fragment_id IN (SELECT value FROM json_each(?)) AND seq < ?
         ORDER BY seq DESC LIMIT ?`,
      )
      .all(JSON.stringify(fragments), before, query.limit + 1) as EventRow[];
    return this.#page(rows, query.limit);
  }

  listMerges(ref: ProfileRef) {
    return this.#identity.listMerges(ref);
  }

  merge(from: ProfileRef, into: ProfileRef) {
    return this.#transaction(() => {
      const outcome = this.#identity.merge(from, into);
      if (outcome) this.#activation.afterMerge(outcome.survivor, outcome.merged, Date.now());
      if (outcome && this.#webhooks.wants('profile.merged')) {
        this.#outboxMerged(outcome.survivor, outcome.merged, Date.now());
      }
      return outcome;
    });
  }

  unmerge(ref: ProfileRef) {
    return this.#transaction(() => {
      const outcome = this.#identity.unmerge(ref);
      if (outcome && outcome !== 'not_merged') {
        this.#activation.afterUnmerge(outcome.detached, outcome.from, Date.now());
        const now = Date.now();
        this.#webhooks.enqueue(
          {
            type: 'profile.unmerged',
            timestamp: new Date(now).toISOString(),
            dataJson: JSON.stringify({ detached: outcome.detached, from: outcome.from }),
            facets: {},
          },
          now,
        );
      }
      return outcome;
    });
  }

  erase(ref: ProfileRef, options: { suppress: boolean }) {
    return this.#transaction(() => {
      const fragments = this.#identity.profileFragments(ref);
      const result = this.#identity.erase(ref, options);
      if (result && fragments) this.#activation.erase(fragments);
      if (result) {
        // Only the deletion's id and counts: the person's identifiers are what was just erased.
        const now = Date.now();
        this.#webhooks.enqueue(
          {
            type: 'profile.erased',
            timestamp: new Date(now).toISOString(),
            dataJson: JSON.stringify(result),
            facets: {},
          },
          now,
        );
      }
      return result;
    });
  }

  /**
   * An immediate transaction for an admin or scheduler operation. Lifecycle events take seqs:
   * a rollback gives them back, and forgets cached definitions it may have changed.
   */
  #transaction<T>(fn: () => T): T {
    const seqBefore = this.#nextSeq;
    try {
      return this.#db
        .transaction(() => {
          this.#webhooks.refresh();
          return fn();
        })
        .immediate();
    } catch (error) {
      this.#nextSeq = seqBefore;
      this.#activation.forgetDefinitions();
      this.#webhooks.forget();
      throw error;
    }
  }

  // --- activation ---

  getDefinitions() {
    return this.#activation.refresh().snapshot;
  }

  saveDefinition(input: SaveDefinitionInput) {
    return this.#transaction(() => this.#activation.saveDefinition(input));
  }

  deleteDefinition(input: { kind: DefinitionKind; key: string; expectedVersion: number }) {
    return this.#transaction(() => this.#activation.deleteDefinition(input.kind, input.key, input.expectedVersion));
  }

  getProfileActivation(ref: ProfileRef): ProfileActivationState | null {
    const profile = this.#identity.getProfileRoot(ref);
    if (!profile) return null;
    return { profileId: profile.publicId, ...this.#activation.profileState(profile.id, Date.now()) };
  }

  listAudienceMembers(key: string, query: PageQuery) {
    return this.#activation.members(key, query);
  }

  listAudienceChanges(key: string, query: ChangeQuery) {
    return this.#activation.changes(key, query);
  }

  audienceSizes() {
    return this.#activation.sizes();
  }

  explainAudience(ref: ProfileRef, key: string, now: number) {
    const profile = this.#identity.getProfileRoot(ref);
    if (!profile) return null;
    const explain = this.#activation.explain(profile.id, key, now);
    return explain === 'unknown_audience' ? explain : { profileId: profile.publicId, explain };
  }

  claimDue(input: ClaimDueInput) {
    return this.#transaction(() => this.#activation.claimDue(input));
  }

  reevaluate(input: { profileIds: string[]; owner: string; now: number }) {
    return this.#transaction(() => this.#activation.reevaluate(input.profileIds, input.now));
  }

  nextDueAt() {
    return this.#activation.nextDueAt();
  }

  backfillStep(input: { now: number; limit: number }) {
    return this.#transaction(() => this.#activation.backfillStep(input.now, input.limit));
  }

  // --- webhooks ---

  createWebhook(input: CreateWebhookInput) {
    return this.#transaction(() => this.#webhooks.create(input));
  }

  listWebhooks() {
    return this.#webhooks.list();
  }

  getWebhook(id: string) {
    return this.#webhooks.get(id);
  }

  updateWebhook(id: string, patch: WebhookPatch, now: number) {
    return this.#transaction(() => this.#webhooks.update(id, patch, now));
  }

  deleteWebhook(id: string) {
    return this.#transaction(() => this.#webhooks.delete(id));
  }

  rotateWebhookSecret(input: RotateSecretInput) {
    return this.#transaction(() => this.#webhooks.rotateSecret(input));
  }

  enqueueWebhook(input: { endpointId: string; type: WebhookBodyType; data: unknown; now: number }) {
    return this.#transaction(() => this.#webhooks.enqueueOne(input));
  }

  listDeliveries(endpointId: string, query: DeliveryQuery) {
    return this.#webhooks.listDeliveries(endpointId, query);
  }

  retryDelivery(input: { endpointId: string; deliveryId: string; now: number }) {
    return this.#transaction(() => this.#webhooks.retry(input.endpointId, input.deliveryId, input.now));
  }

  replayDeliveries(input: { endpointId: string; since: number; until: number; now: number }) {
    return this.#transaction(() => this.#webhooks.replay(input.endpointId, input.since, input.until, input.now));
  }

  claimDeliveries(input: ClaimDeliveriesInput) {
    return this.#transaction(() => this.#webhooks.claim(input));
  }

  recordDeliveryAttempts(inputs: RecordAttemptInput[]): void {
    this.#transaction(() => {
      for (const input of inputs) this.#webhooks.record(input);
    });
  }

  nextDeliveryAt() {
    return this.#webhooks.nextDueAt();
  }

  ping(): void {
    this.#db.prepare('SELECT 1').get();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #page(rows: EventRow[], limit: number): Page<StoredEvent> {
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const last = pageRows.at(-1);
    return {
      data: pageRows.map((row) => this.#toStoredEvent(row)),
      nextCursor: more && last ? encodeCursor(last.seq) : null,
    };
  }

  #toStoredEvent(row: EventRow): StoredEvent {
    return {
      messageId: row.message_id,
      type: row.type,
      source: row.source,
      receivedAt: row.received_at,
      profileId: row.fragment_id === null ? null : this.#identity.canonicalProfileId(row.fragment_id),
      warnings: this.#sql.warningsOf.all(row.message_id, row.source) as WarningRow[],
      message: JSON.parse(row.payload),
    };
  }
}
