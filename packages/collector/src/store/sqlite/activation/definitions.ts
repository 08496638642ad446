/**
 * Activation definitions in SQLite, and the engine's cached view of them: the
 * parsed definitions, which events and traits they read, and the version they
 * were read at. Ingest consults the cache (one boolean when nothing is
 * defined); it is reloaded whenever the stored version moves.
 */
import type { Database, Statement } from 'better-sqlite3';
import {
  buildDefinitionsView,
  type DefinitionRow,
  type DefinitionsView,
  toDefinitionRecord as toRecord,
} from '../../activation-records.js';
import type { DefinitionKind, SaveDefinitionInput, SaveDefinitionOutcome } from '../../store.js';

export type { AudienceMeta, DefinitionsView } from '../../activation-records.js';

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
    return buildDefinitionsView(version, this.#sql.all.all() as DefinitionRow[]);
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
