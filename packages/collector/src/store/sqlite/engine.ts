/**
 * The synchronous heart of the SQLite store: it owns the better-sqlite3
 * connection and does every read and write. It runs either on a worker thread
 * (production: HTTP never waits on SQLite) or inline on the caller's thread.
 * Async concerns (group commit, RPC) live in `engine-host.ts`.
 */
import { chmodSync, closeSync, openSync } from 'node:fs';
import type {
  EventWarning,
  MessageDecision,
  MessageType,
  Page,
  RecentRejection,
  StoredEvent,
  StreamedEvent,
  WebhookBodyType,
} from '@exhaust/schema';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig } from '../../identity/config.js';
import type { SubscriptionChange } from '../../subscriptions/model.js';
import { DEFAULT_SUBSCRIPTIONS_CONFIG, type SubscriptionsConfig } from '../../subscriptions/topics.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { StoreError } from '../errors.js';
import {
  type AudienceTransition,
  audienceChange,
  audienceTransitionOf,
  type ChurnRiskFacts,
  churnRiskChange,
  computedChange,
  eventReceivedChange,
  profileErasedChange,
  profileMergedChange,
  profileUnmergedChange,
  subscriptionChange,
} from '../outbox-payloads.js';
import { IDENTIFIER_FREE_WARNINGS, messageHash, type PreparedEvent, prepareEvent } from '../prepared-event.js';
import type {
  AccessSeed,
  ChangeQuery,
  ClaimDeliveriesInput,
  ClaimDueInput,
  CreateWebhookInput,
  DefinitionKind,
  DeliveryQuery,
  EraseOptions,
  EventQuery,
  EventsAfter,
  EventsAfterQuery,
  IncomingEvent,
  IngestOutcome,
  KeyOwnerRef,
  MessageTrace,
  NewKey,
  NewSource,
  PageQuery,
  PreviewDefinitionInput,
  ProfileActivationState,
  ProfileRef,
  PurchaseSummaryQuery,
  RecordAttemptInput,
  RotateSecretInput,
  SaveChurnFitInput,
  SaveDefinitionInput,
  SigningKeyRecord,
  SourceChanges,
  Store,
  SubscriptionExportQuery,
  SubscriptionKey,
  SubscriptionQuery,
  WebhookPatch,
} from '../store.js';
import { createSqliteAccess, loadSqliteSigningKeys, type SqliteAccess } from './access.js';
import { EXHAUST_SOURCE, SqliteActivation, type SystemEvent } from './activation/index.js';
import { createSqliteActivity, type SqliteActivity } from './activity.js';
import { SqliteChurn } from './churn/index.js';
import { explainEventPage, selectEventPage } from './event-filters.js';
import { createSqliteIdentity, type SqliteIdentity } from './identity/index.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { deleteEventsBefore } from './retention.js';
import { describeStorageFailure, isDiskFull, isStorageFailure } from './storage-failure.js';
import {
  type AppliedSubscriptionChange,
  createSqliteSubscriptions,
  type SqliteSubscriptions,
  type TimelineEvent,
} from './subscriptions/index.js';
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
/** Mode of the database and its `-wal`/`-shm` files: they hold emails, phones and IP addresses. */
export const DATABASE_FILE_MODE = 0o600;
/** Files SQLite keeps beside the database (WAL, its shared-memory index, a rollback journal). */
const COMPANION_FILE_SUFFIXES = ['-wal', '-shm', '-journal'];

export interface EngineOptions {
  /** Path of the database file; created if missing. It and its -wal/-shm are made `DATABASE_FILE_MODE`. */
  file: string;
  identity?: IdentityConfig;
  /** Migrations to run; defaults to `MIGRATIONS` (tests may pass a prefix). */
  migrations?: Migration[];
  /** Rows a property-filtered event list examines per call; default `MAX_PROPERTY_SCAN_ROWS` (tests lower it). */
  maxPropertyScanRows?: number;
  /** The config file's `subscriptions` (declared topics, read by audiences' subscription nodes). */
  subscriptions?: SubscriptionsConfig;
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

const isOnDisk = (file: string) => file !== '' && file !== ':memory:';

/**
 * Creates a missing database file as `DATABASE_FILE_MODE` (SQLite would create
 * it 0644 under the usual umask, and its -wal/-shm copy that mode) and tightens
 * an existing one: an operator's looser mode is not kept for files holding PII.
 */
function restrictDatabaseFile(file: string): void {
  if (!isOnDisk(file)) return;
  // An empty file is a valid empty database to SQLite. 'a' never truncates one that exists.
  closeSync(openSync(file, 'a', DATABASE_FILE_MODE));
  chmodSync(file, DATABASE_FILE_MODE);
}

function restrictCompanionFiles(file: string): void {
  if (!isOnDisk(file)) return;
  for (const suffix of COMPANION_FILE_SUFFIXES) {
    try {
      chmodSync(`${file}${suffix}`, DATABASE_FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Store methods the engine host builds from smaller engine steps: `applyRetention` loops over
 * `deleteEventsBefore` batches, yielding to ingest between them.
 */
export type HostComposedMethod = 'applyRetention';

/** The Store port with every method synchronous: what the engine must offer, by the same names. */
export type SyncStore = {
  [K in Exclude<keyof Store, HostComposedMethod>]: (...args: Parameters<Store[K]>) => Awaited<ReturnType<Store[K]>>;
};

export class SqliteEngine implements SyncStore {
  readonly #db: Database;
  readonly #identity: SqliteIdentity;
  readonly #access: SqliteAccess;
  readonly #activity: SqliteActivity;
  readonly #subscriptions: SqliteSubscriptions;
  readonly #identityConfig: IdentityConfig;
  readonly #maxPropertyScanRows: number | undefined;
  readonly #activation: SqliteActivation;
  readonly #webhooks: SqliteWebhooks;
  readonly #churn: SqliteChurn;
  #nextSeq: number;
  #closed = false;
  /** Why the last write failed on storage (disk full, I/O error); null once a write succeeds. */
  #writeFailure: { reason: string; diskFull: boolean } | null = null;
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
    lastSeq: Statement<[]>;
    saveLastSeq: Statement<[number]>;
    insertEvent: Statement<unknown[]>;
    insertWarning: Statement<unknown[]>;
    warningsOf: Statement<[string, string]>;
  };

  constructor(options: EngineOptions) {
    restrictDatabaseFile(options.file);
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
      this.#maxPropertyScanRows = options.maxPropertyScanRows;
      this.#identity = createSqliteIdentity(db, this.#identityConfig);
      this.#access = createSqliteAccess(db);
      this.#activity = createSqliteActivity(db);
      this.#subscriptions = createSqliteSubscriptions(db, {
        appendTimelineEvent: (event, recordedAt) => this.#appendTimelineEvent(event, recordedAt),
        changed: (change) => this.#subscriptionChanged(change),
      });
      this.#nextSeq = 0; // read under each write transaction's lock (#takeSeqs)
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
        lastSeq: db.prepare('SELECT last FROM event_sequence WHERE id = 1').pluck(),
        saveLastSeq: db.prepare('UPDATE event_sequence SET last = ? WHERE id = 1'),
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
      // SQLite gives a new -wal/-shm the database's mode; ones left by an older collector may be looser.
      restrictCompanionFiles(options.file);
      this.#webhooks = new SqliteWebhooks(db);
      const subscriptions = this.#subscriptions;
      this.#churn = new SqliteChurn(db);
      this.#activation = new SqliteActivation(
        db,
        (event) => this.#appendSystemEvent(event),
        {
          active: () => this.#webhooks.wants('computed.changed'),
          changed: (rootId, key, previous, value, now) => this.#outboxComputed(rootId, key, previous, value, now),
        },
        {
          store: this.#churn,
          bands: {
            active: () => this.#webhooks.wants('churn.risk_changed'),
            changed: (rootId, change, now) => this.#outboxChurnRisk(rootId, change, now),
          },
        },
        {
          topics: (options.subscriptions ?? DEFAULT_SUBSCRIPTIONS_CONFIG).topics,
          read: (keys) => subscriptions.addressFacts(keys),
        },
      );
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
   * When the storage itself fails (disk full, I/O error), the whole group fails
   * with a `store_unavailable` StoreError; on a full disk the WAL is first
   * checkpointed and truncated and the group tried once more.
   */
  ingestGroup(requests: PreparedEvent[][]): GroupResult[] {
    try {
      return this.#write(() => this.#writeGroup(requests));
    } catch (error) {
      return requests.map(() => ({ ok: false, error }));
    }
  }

  /** One attempt at a group; throws (leaving nothing written and no state changed) when it cannot commit. */
  #writeGroup(requests: PreparedEvent[][]): GroupResult[] {
    const results: GroupResult[] = [];
    const sql = this.#sql;
    const sourcesBefore = new Set(this.#sources);
    this.#identity.beginGroup();
    const activation = this.#activation;
    try {
      sql.begin.run();
      const firstSeq = this.#takeSeqs();
      // NOTE: webhooks first: whether churn bands are tracked this group depends on who subscribes.
      this.#webhooks.refresh();
      activation.beginGroup();
      for (const events of requests) {
        sql.savepoint.run();
        const seqBeforeRequest = this.#nextSeq;
        try {
          const value = events.map((event) => this.#ingestOne(event));
          // Definitions are evaluated once per touched profile per request, in its savepoint.
          if (activation.active) activation.flushRequest(Date.now());
          sql.release.run();
          results.push({ ok: true, value });
        } catch (error) {
          // The storage failing is not this request's fault and fails every other one too.
          if (isStorageFailure(error)) throw error;
          sql.rollbackTo.run();
          sql.release.run();
          this.#nextSeq = seqBeforeRequest;
          activation.discardRequest();
          // Rowids of rolled-back fragments will be given again: forget what was cached about them.
          this.#identity.beginGroup();
          results.push({ ok: false, error });
        }
      }
      this.#keepSeqs(firstSeq);
      sql.commit.run();
    } catch (error) {
      // BEGIN, a statement or COMMIT failed (disk full, I/O error): nothing of the group is durable.
      // NOTE: SQLite may already have rolled back on its own (it does on SQLITE_FULL mid-statement).
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#sources.clear();
      for (const name of sourcesBefore) this.#sources.add(name);
      throw error;
    }
    return results;
  }

  /**
   * Runs one write transaction and keeps the store's writability up to date
   * for `ping`. A storage failure becomes StoreError `store_unavailable`. On a
   * full disk the WAL, which only autocheckpoints every ~64 MB and never
   * shrinks on its own, is checkpointed and truncated to hand its space back:
   * at once, then the write is tried once more (sound: the failed attempt
   * rolled back whole); and before each write while the disk was last found
   * full, so that whatever room the operator frees goes to new events instead
   * of the WAL eating it again.
   */
  #write<T>(transaction: () => T): T {
    let checkpointed = this.#writeFailure?.diskFull === true && this.#truncateWal();
    for (;;) {
      try {
        const value = transaction();
        this.#writeFailure = null;
        return value;
      } catch (error) {
        if (!isStorageFailure(error)) throw error;
        if (!checkpointed && isDiskFull(error) && this.#truncateWal()) {
          checkpointed = true;
          continue;
        }
        this.#writeFailure = { reason: describeStorageFailure(error), diskFull: isDiskFull(error) };
        throw new StoreError('store_unavailable', `the store cannot write: ${this.#writeFailure.reason}`, {
          cause: error,
        });
      }
    }
  }

  /** Checkpoints the whole WAL into the database and truncates it to zero bytes; false if it could not. */
  #truncateWal(): boolean {
    try {
      const [result] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return result?.busy === 0;
    } catch {
      // Typically SQLITE_FULL again: the database file could not grow to take the WAL's pages.
      return false;
    }
  }

  /**
   * Inside a write transaction (the database's write lock held): the next seq comes from the
   * database, not from memory, so another collector on the same file, or a restart after an
   * erasure removed the newest events, never makes a seq be given twice.
   */
  #takeSeqs(): number {
    this.#nextSeq = (this.#sql.lastSeq.get() as number) + 1;
    return this.#nextSeq;
  }

  /** Before COMMIT: records the seqs this transaction gave (nothing when it gave none). */
  #keepSeqs(firstSeq: number): void {
    if (this.#nextSeq !== firstSeq) this.#sql.saveLastSeq.run(this.#nextSeq - 1);
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

  #noteSource(source: string): void {
    if (!this.#sources.has(source)) {
      // NOTE: a rolled-back request may leave a name here that is not in the table; a
      // lookup through it then merely finds nothing.
      this.#sql.addSource.run(source);
      this.#sources.add(source);
    }
  }

  #ingestOne(event: PreparedEvent): IngestOutcome {
    this.#noteSource(event.source);
    if (this.#sql.seen.run(event.hash, this.#nextSeq).changes === 0) {
      const warnings: EventWarning[] = [{ code: 'duplicate_message_id', detail: null }];
      this.#recordWarnings(event, warnings);
      return { status: 'duplicate', profileId: null, warnings };
    }
    const seq = this.#nextSeq++;
    const resolution = this.#identity.resolve(event, seq);
    const warnings = [...event.warnings, ...resolution.warnings];
    if (resolution.suppressed) {
      this.#recordWarnings(
        event,
        warnings.filter((warning) => IDENTIFIER_FREE_WARNINGS.has(warning.code)),
      );
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
    if (event.subscriptions) this.#subscriptions.apply(event.subscriptions, event.receivedAt);
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

  #outboxEvent(event: PreparedEvent, profileId: string | null): void {
    this.#webhooks.enqueue(eventReceivedChange(event, profileId), Date.now());
  }

  #outboxMerged(survivor: string, merged: string, now: number): void {
    this.#webhooks.enqueue(profileMergedChange(survivor, merged, now), now);
  }

  #outboxComputed(rootId: number, key: string, previous: string | null, value: string, now: number): void {
    const profileId = this.#webhooks.publicId(rootId);
    if (profileId === null) return;
    this.#webhooks.enqueue(computedChange(profileId, key, previous, value, now), now);
  }

  /**
   * After every applied subscription change: its owner's audiences are re-evaluated with the
   * request (when some audience reads subscriptions), and `subscription.changed` is enqueued.
   */
  #subscriptionChanged(change: AppliedSubscriptionChange): void {
    if (change.fragmentId !== null && this.#activation.active) {
      this.#activation.noteSubscriptionChange(change.fragmentId);
    }
    if (!this.#webhooks.wants('subscription.changed')) return;
    const profileId = change.fragmentId === null ? null : this.#identity.canonicalProfileId(change.fragmentId);
    this.#webhooks.enqueue(subscriptionChange(change, profileId), Date.now());
  }

  #outboxChurnRisk(rootId: number, change: ChurnRiskFacts, now: number): void {
    const profileId = this.#webhooks.publicId(rootId);
    if (profileId === null) return;
    this.#webhooks.enqueue(churnRiskChange(profileId, change, now), now);
  }

  /** `audience.entered` / `audience.exited`, from the lifecycle event the activation store appends. */
  #outboxAudience(transition: AudienceTransition): void {
    if (!this.#webhooks.wants(transition.type)) return;
    const profile = this.#identity.getProfile({ id: transition.profileId });
    this.#webhooks.enqueue(audienceChange(transition, profile), Date.now());
  }

  /** A track event the collector writes on a profile's timeline (subscription changes), inside the current transaction. */
  #appendTimelineEvent(event: TimelineEvent, recordedAt: string): void {
    const message = {
      type: 'track',
      event: event.event,
      messageId: event.messageId,
      timestamp: event.at,
      properties: event.properties,
      context: { library: { name: EXHAUST_SOURCE } },
    };
    this.#appendSystemEvent({
      messageId: event.messageId,
      eventName: event.event,
      at: event.at,
      receivedAt: recordedAt,
      fragmentId: event.fragmentId,
      payload: JSON.stringify(message),
    });
  }

  /**
   * Appends an event the collector writes itself (audience lifecycle, subscription change) to a
   * timeline, inside the current transaction. Its source, `exhaust`, never triggers evaluation.
   */
  #appendSystemEvent(event: SystemEvent & { receivedAt?: string }): void {
    this.#noteSource(EXHAUST_SOURCE);
    const seq = this.#nextSeq++;
    this.#sql.seen.run(messageHash(EXHAUST_SOURCE, event.messageId), seq);
    this.#sql.insertEvent.run(
      seq,
      EXHAUST_SOURCE,
      event.messageId,
      'track',
      event.eventName,
      event.at,
      event.receivedAt ?? event.at,
      event.fragmentId,
      event.payload,
    );
    const transition = audienceTransitionOf(event);
    if (transition) this.#outboxAudience(transition);
  }

  #recordWarnings(event: PreparedEvent, warnings: EventWarning[]): void {
    for (const warning of warnings) {
      this.#sql.insertWarning.run(event.source, event.messageId, warning.code, warning.detail, event.receivedAt);
    }
  }

  listEvents(query: EventQuery): Page<StoredEvent> {
    let fragments: number[] | undefined;
    if (query.profile) {
      const found = this.#identity.profileFragments(query.profile);
      if (found === null) return { data: [], nextCursor: null };
      fragments = found;
    }
    const { seqs, next } = selectEventPage(this.#db, query, {
      ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
      ...(fragments ? { fragments } : {}),
      ...(this.#maxPropertyScanRows ? { maxPropertyScanRows: this.#maxPropertyScanRows } : {}),
    });
    const rows = this.#db
      .prepare('SELECT * FROM events WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq DESC')
      .all(JSON.stringify(seqs)) as EventRow[];
    return { data: rows.map((row) => this.#toStoredEvent(row)), nextCursor: next === null ? null : encodeCursor(next) };
  }

  /** SQLite's query plan for `listEvents(query)`'s index walk (not part of the Store port: tests and bench). */
  explainListEvents(query: EventQuery): string[] {
    const fragments = query.profile ? (this.#identity.profileFragments(query.profile) ?? []) : undefined;
    return explainEventPage(this.#db, query, fragments ? { fragments } : {});
  }

  getEvent(messageId: string, source?: string): StoredEvent | null {
    const find = (names: Iterable<string>) => {
      for (const name of names) {
        const seq = this.#sql.seqOf.pluck().get(messageHash(name, messageId)) as number | undefined;
        const row = seq === undefined ? undefined : (this.#sql.eventBySeq.get(seq) as EventRow | undefined);
        if (row) return this.#toStoredEvent(row);
      }
      return null;
    };
    if (source !== undefined) return find([source]);
    const found = find(this.#sources);
    if (found) return found;
    // Another collector sharing the file may have stored the first event of a source this one never saw.
    const unseen = (this.#db.prepare('SELECT name FROM sources').pluck().all() as string[]).filter(
      (name) => !this.#sources.has(name),
    );
    for (const name of unseen) this.#sources.add(name);
    return find(unseen);
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
      if (outcome?.merged) {
        this.#activation.afterMerge(outcome.survivor, outcome.merged, Date.now());
        if (this.#webhooks.wants('profile.merged')) this.#outboxMerged(outcome.survivor, outcome.merged, Date.now());
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
        this.#webhooks.enqueue(profileUnmergedChange(outcome, now), now);
      }
      return outcome;
    });
  }

  erase(ref: ProfileRef, options: EraseOptions) {
    return this.#transaction(() => {
      const fragments = this.#identity.profileFragments(ref);
      // Every id the person's profile ever had: outbox deliveries name one of them.
      const profileIds = (fragments ?? []).map((id) => this.#webhooks.publicId(id)).filter((id) => id !== null);
      // The addresses must be read before identity deletes them.
      const addresses = (this.#identity.getProfile(ref)?.identifiers ?? [])
        .filter((identifier) => identifier.type === 'email' || identifier.type === 'phone')
        .map((identifier) => ({ kind: identifier.type as 'email' | 'phone', value: identifier.value }));
      const result = this.#identity.erase(ref, options);
      if (!result) return null;
      if (fragments) this.#activation.erase(fragments);
      this.#webhooks.forgetProfiles(profileIds);
      const extras = this.#subscriptions.erase(addresses, options.suppressContact ?? true, result.deletionId);
      this.#identity.recordDeletionExtras(result.deletionId, extras);
      const deletion = { ...result, ...extras };
      // Only the deletion's id and counts: the person's identifiers are what was just erased.
      const now = Date.now();
      this.#webhooks.enqueue(profileErasedChange(deletion, now), now);
      return deletion;
    });
  }

  /**
   * An immediate write transaction for an admin, scheduler or subscription operation. The events
   * it may append take seqs and may name a new source: a rollback forgets the source, and forgets
   * cached definitions it may have changed. A storage failure answers `store_unavailable`.
   */
  #transaction<T>(fn: () => T): T {
    const sourcesBefore = new Set(this.#sources);
    try {
      return this.#write(() =>
        this.#db
          .transaction(() => {
            const firstSeq = this.#takeSeqs();
            this.#webhooks.refresh();
            const value = fn();
            this.#keepSeqs(firstSeq);
            return value;
          })
          .immediate(),
      );
    } catch (error) {
      this.#sources.clear();
      for (const name of sourcesBefore) this.#sources.add(name);
      this.#activation.forgetDefinitions();
      this.#churn.forget();
      this.#webhooks.forget();
      throw error;
    }
  }

  // --- churn ---

  readPurchaseSummaries(query: PurchaseSummaryQuery) {
    return this.#db.transaction(() => this.#churn.summaries(query)).deferred();
  }

  getProfileChurnFacts(ref: ProfileRef, now: number) {
    return this.#db
      .transaction(() => {
        const profile = this.#identity.getProfileRoot(ref);
        if (!profile) return null;
        const current = this.#churn.current();
        const fit = current?.status === 'fitted' ? current : null;
        const purchases = fit
          ? this.#churn.purchasesOf(profile.id, { event: fit.event, valueProperty: fit.valueProperty, asOf: now })
          : null;
        return { profileId: profile.publicId, fit: current, purchases };
      })
      .deferred();
  }

  saveChurnFit(input: SaveChurnFitInput) {
    return this.#transaction(() => {
      const fit = this.#churn.save(input);
      this.#activation.afterChurnFit(input.now);
      return fit;
    });
  }

  getChurnFit() {
    return this.#churn.current();
  }

  listChurnFits(limit: number) {
    return this.#churn.list(limit);
  }

  claimChurnRefit(input: { now: number; owner: string; leaseMs: number }) {
    return this.#transaction(() => this.#churn.claimRefit(input));
  }

  nextChurnRefitAt() {
    return this.#churn.nextRefitAt();
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

  previewDefinition(input: PreviewDefinitionInput) {
    // One read transaction: the sample and the total are counted at one instant.
    return this.#db.transaction(() => this.#activation.preview(input))();
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

  changeSubscriptions(changes: SubscriptionChange[], recordedAt: string) {
    return this.#transaction(() => {
      // The owners of changed addresses are noted as touched and re-evaluated before commit.
      const activation = this.#activation;
      activation.refresh();
      activation.discardRequest();
      const outcomes = this.#subscriptions.apply(changes, recordedAt);
      if (activation.active) activation.flushRequest(Date.now());
      return outcomes;
    });
  }

  readSubscriptionFacts(queries: SubscriptionQuery[]) {
    return this.#subscriptions.facts(queries);
  }

  getSubscriptions(keys: SubscriptionKey[]) {
    return this.#db.transaction(() => this.#subscriptions.states(keys)).deferred();
  }

  getSubscriptionHistory(key: SubscriptionKey) {
    return this.#subscriptions.history(key);
  }

  listSubscriptions(query: SubscriptionExportQuery) {
    return this.#subscriptions.list(query);
  }

  seedAccess(seed: AccessSeed): void {
    this.#write(() => this.#db.transaction(() => this.#access.seed(seed)).immediate());
  }

  loadSigningKeys(input: { seed: SigningKeyRecord[]; fallback: SigningKeyRecord }): SigningKeyRecord[] {
    return this.#write(() => this.#db.transaction(() => loadSqliteSigningKeys(this.#db, input)).immediate());
  }

  getAccessSnapshot(knownVersion: number | null) {
    // One read transaction: the version and the rows it describes belong together.
    return this.#db.transaction(() => this.#access.snapshot(knownVersion)).deferred();
  }

  listSources() {
    return this.#db.transaction(() => this.#access.listSources()).deferred();
  }

  getSource(id: string) {
    return this.#access.getSource(id);
  }

  createSource(source: NewSource) {
    return this.#write(() => this.#db.transaction(() => this.#access.createSource(source)).immediate());
  }

  updateSource(id: string, changes: SourceChanges, at: string) {
    return this.#write(() => this.#db.transaction(() => this.#access.updateSource(id, changes, at)).immediate());
  }

  addKey(owner: KeyOwnerRef, key: NewKey) {
    return this.#write(() => this.#db.transaction(() => this.#access.addKey(owner, key)).immediate());
  }

  revokeKey(owner: KeyOwnerRef, keyId: string, at: string) {
    return this.#write(() => this.#db.transaction(() => this.#access.revokeKey(owner, keyId, at)).immediate());
  }

  listAdminKeys() {
    return this.#access.listKeys('admin');
  }

  listSenderKeys() {
    return this.#access.listKeys('sender');
  }

  listDeletions(query: PageQuery) {
    return this.#identity.listDeletions(query);
  }

  listSuppressionStats(query: PageQuery) {
    return this.#identity.listSuppressionStats(query);
  }

  recordRejections(rejections: RecentRejection[]): void {
    if (rejections.length === 0) return;
    this.#write(() => this.#db.transaction(() => this.#activity.recordRejections(rejections)).immediate());
  }

  listRejections(limit: number) {
    return this.#activity.listRejections(limit);
  }

  readEventsAfter(query: EventsAfterQuery): EventsAfter {
    // One read transaction: the head and the rows below it belong together.
    return this.#db
      .transaction((): EventsAfter => {
        const head = (this.#db.prepare('SELECT MAX(seq) AS s FROM events').get() as { s: number | null }).s ?? 0;
        if (query.after === null) return { data: [], cursor: encodeCursor(head) };
        const after = decodeCursor(query.after);
        const where = ['seq > ?', 'seq <= ?'];
        const params: unknown[] = [after, head];
        for (const [column, value] of [
          ['type', query.type],
          ['event', query.event],
          ['source', query.source],
        ] as const) {
          if (value === undefined) continue;
          where.push(`${column} = ?`);
          params.push(value);
        }
        const rows = this.#db
          .prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
          .all(...params, query.limit) as EventRow[];
        const data: StreamedEvent[] = rows.map((row) => ({
          ...this.#toStoredEvent(row),
          cursor: encodeCursor(row.seq),
        }));
        // A full page resumes after its last row; otherwise every row up to the head was looked at.
        const last = rows.length === query.limit ? rows.at(-1)!.seq : head;
        return { data, cursor: encodeCursor(Math.max(after, last)) };
      })
      .deferred();
  }

  traceMessage(messageId: string): MessageTrace {
    const seen = [...this.#sources].some(
      (name) => this.#sql.seqOf.pluck().get(messageHash(name, messageId)) !== undefined,
    );
    return {
      event: this.getEvent(messageId),
      seen,
      decisions: this.#db
        .prepare('SELECT source, code, detail, at FROM ingestion_warnings WHERE message_id = ? ORDER BY id')
        .all(messageId) as MessageDecision[],
      rejections: this.#activity.rejectionsOf(messageId),
    };
  }

  countEventsPerMinute(since: string) {
    return this.#activity.countEventsPerMinute(since);
  }

  getTotals() {
    return this.#db.transaction(() => this.#activity.totals()).deferred();
  }

  summarizeWarnings(since: string) {
    return this.#activity.summarizeWarnings(since);
  }

  lastEventPerSource() {
    return this.#activity.lastEventPerSource();
  }

  searchProfiles(query: string, limit: number) {
    return this.#db.transaction(() => this.#identity.searchProfiles(query, limit)).deferred();
  }

  listConsentHistory(ref: ProfileRef) {
    return this.#identity.listConsentHistory(ref);
  }

  describe() {
    return { kind: 'sqlite' };
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

  /** Fails with `store_unavailable` while the last write failed on storage, until a write succeeds again. */
  /** One retention batch (see retention.ts): the host loops over batches, letting ingest in between. */
  deleteEventsBefore(before: string, limit: number): number {
    return this.#write(() => this.#db.transaction(() => deleteEventsBefore(this.#db, before, limit)).immediate());
  }

  ping(): void {
    this.#db.prepare('SELECT 1').get();
    if (this.#writeFailure !== null) {
      throw new StoreError('store_unavailable', `the last write failed: ${this.#writeFailure.reason}`);
    }
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
