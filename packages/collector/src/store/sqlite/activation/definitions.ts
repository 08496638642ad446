/**
 * Activation definitions in SQLite, and the engine's cached view of them: the
 * parsed definitions, which events and traits they read, and the version they
 * were read at. Ingest consults the cache (one boolean when nothing is
 * defined); it is reloaded whenever the stored version moves.
 */
import type { AudienceDefinition, ComputedTraitDefinition, MessageType, SubscriptionChannel } from '@exhaust/schema';
import type { Database, Statement } from 'better-sqlite3';
import { type Definitions, readsSubscriptions, readsTraits, relevantEvents } from '../../../activation/index.js';
import type {
  DefinitionKind,
  DefinitionRecord,
  DefinitionsSnapshot,
  SaveDefinitionInput,
  SaveDefinitionOutcome,
} from '../../store.js';

interface DefinitionRow {
  kind: DefinitionKind;
  key: string;
  definition: string;
  status: 'backfilling' | 'live';
  created_ms: number;
  updated_ms: number;
  backfill_upto: number;
}

/** What the engine knows about an audience beyond its definition, for silent backfill entries. */
export interface AudienceMeta {
  createdMs: number;
  backfillUpto: number;
  emitOnCreate: boolean;
}

/** The definitions as evaluation needs them, read at `version`. */
export interface DefinitionsView {
  version: number;
  /** False when nothing is defined: ingest then does nothing more than this one check. */
  any: boolean;
  defs: Definitions;
  audienceMeta: ReadonlyMap<string, AudienceMeta>;
  relevant: { names: Set<string>; types: Set<MessageType>; all: boolean };
  traits: Set<string>;
  /** Channels `{ subscription }` nodes read; empty when none does. */
  subscriptions: Set<SubscriptionChannel>;
  snapshot: DefinitionsSnapshot;
  anyBackfilling: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toRecord<T>(row: DefinitionRow): DefinitionRecord<T> {
  return {
    definition: JSON.parse(row.definition) as T,
    status: row.status,
    createdAt: iso(row.created_ms),
    updatedAt: iso(row.updated_ms),
  };
}

export class DefinitionStore {
  readonly #db: Database;
  readonly #sql: {
    version: Statement<[]>;
    all: Statement<[]>;
    one: Statement<[string, string]>;
    bump: Statement<[]>;
    insert: Statement<unknown[]>;
    replace: Statement<unknown[]>;
    remove: Statement<[string, string]>;
    maxFragment: Statement<[]>;
    restartBackfill: Statement<[]>;
  };
  #view: DefinitionsView | null = null;

  constructor(db: Database) {
    this.#db = db;
    this.#sql = {
      version: db.prepare('SELECT definitions_version FROM activation_meta WHERE id = 1'),
      all: db.prepare('SELECT * FROM activation_definitions ORDER BY created_ms, key'),
      one: db.prepare('SELECT * FROM activation_definitions WHERE kind = ? AND key = ?'),
      bump: db.prepare('UPDATE activation_meta SET definitions_version = definitions_version + 1 WHERE id = 1'),
      insert: db.prepare(
        `INSERT INTO activation_definitions (kind, key, definition, status, created_ms, updated_ms, backfill_upto)
         VALUES (?, ?, ?, 'backfilling', ?, ?, ?)`,
      ),
      replace: db.prepare(
        `UPDATE activation_definitions SET definition = ?, status = 'backfilling', updated_ms = ?, backfill_upto = ?
         WHERE kind = ? AND key = ?`,
      ),
      remove: db.prepare('DELETE FROM activation_definitions WHERE kind = ? AND key = ?'),
      maxFragment: db.prepare('SELECT COALESCE(MAX(id), 0) FROM id_fragments'),
      // A new backfill scan starts from the first profile: the definitions it covers changed.
      restartBackfill: db.prepare('UPDATE activation_meta SET backfill_cursor = 0 WHERE id = 1'),
    };
  }

  /** The current view; re-reads the definitions only when the stored version moved. */
  view(): DefinitionsView {
    const version = this.#sql.version.pluck().get() as number;
    if (this.#view?.version !== version) this.#view = this.#load(version);
    return this.#view;
  }

  /** Drops the cached view (after a rolled-back transaction that may have changed it). */
  forget(): void {
    this.#view = null;
  }

  #load(version: number): DefinitionsView {
    const rows = this.#sql.all.all() as DefinitionRow[];
    const computedTraits: DefinitionRecord<ComputedTraitDefinition>[] = [];
    const audiences: DefinitionRecord<AudienceDefinition>[] = [];
    const audienceMeta = new Map<string, AudienceMeta>();
    for (const row of rows) {
      if (row.kind === 'computedTrait') computedTraits.push(toRecord(row));
      else {
        const record = toRecord<AudienceDefinition>(row);
        audiences.push(record);
        audienceMeta.set(row.key, {
          createdMs: row.created_ms,
          backfillUpto: row.backfill_upto,
          emitOnCreate: record.definition.emitOnCreate === true,
        });
      }
    }
    const defs: Definitions = {
      computedTraits: new Map(computedTraits.map((r) => [r.definition.key, r.definition])),
      audiences: new Map(audiences.map((r) => [r.definition.key, r.definition])),
    };
    return {
      version,
      any: rows.length > 0,
      defs,
      audienceMeta,
      relevant: relevantEvents(defs),
      traits: readsTraits(defs),
      subscriptions: readsSubscriptions(defs),
      snapshot: { version, computedTraits, audiences },
      anyBackfilling: rows.some((row) => row.status === 'backfilling'),
    };
  }

  /** Must run inside a transaction. */
  save(input: SaveDefinitionInput): SaveDefinitionOutcome {
    if (this.view().version !== input.expectedVersion) return { status: 'version_changed' };
    const { kind, definition } = input;
    const existing = this.#sql.one.get(kind, definition.key) as DefinitionRow | undefined;
    if (input.mode === 'create' && existing) return { status: 'exists' };
    if (input.mode === 'replace' && !existing) return { status: 'not_found' };
    const upto = this.#sql.maxFragment.pluck().get() as number;
    const text = JSON.stringify(definition);
    if (existing) this.#sql.replace.run(text, input.now, upto, kind, definition.key);
    else this.#sql.insert.run(kind, definition.key, text, input.now, input.now, upto);
    this.#sql.bump.run();
    this.#sql.restartBackfill.run();
    const row = this.#sql.one.get(kind, definition.key) as DefinitionRow;
    return { status: 'saved', record: toRecord(row) };
  }

  /** Must run inside a transaction. */
  remove(kind: DefinitionKind, key: string, expectedVersion: number): 'deleted' | 'not_found' | 'version_changed' {
    if (this.view().version !== expectedVersion) return 'version_changed';
    if (this.#sql.remove.run(kind, key).changes === 0) return 'not_found';
    this.#sql.bump.run();
    return 'deleted';
  }

  /** Marks live every backfilling definition whose profiles the scan has passed. Must run inside a transaction. */
  finishBackfill(cursor: number): void {
    const changed = this.#db
      .prepare(`UPDATE activation_definitions SET status = 'live' WHERE status = 'backfilling' AND backfill_upto <= ?`)
      .run(cursor).changes;
    // Status is part of the snapshot readers see: move the version so caches reload.
    if (changed > 0) this.#sql.bump.run();
  }
}
