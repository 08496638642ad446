/**
 * Activation definitions in PostgreSQL, and this collector's cached view of
 * them. Every collector reads the stored version once per transaction and
 * reloads the definitions when it moved (another collector may have saved).
 */
import {
  buildDefinitionsView,
  type DefinitionRow,
  type DefinitionsView,
  toDefinitionRecord,
} from '../../activation-records.js';
import type { DefinitionKind, SaveDefinitionInput, SaveDefinitionOutcome } from '../../store.js';
import type { Queryable } from '../pool.js';

export class DefinitionStore {
  /**
   * NOTE: only views read before the reading transaction wrote anything are cached: a version
   * this collector bumped in a transaction that then rolls back must never be taken for the
   * committed one of the same number.
   */
  #view: DefinitionsView | null = null;

  /** The current view; re-reads the definitions only when the stored version moved. */
  async view(db: Queryable): Promise<DefinitionsView> {
    const { rows } = await db.query<{ v: number }>({
      name: 'activation_version',
      text: 'SELECT definitions_version AS v FROM activation_meta WHERE id = 1',
    });
    const version = rows[0]!.v;
    if (this.#view?.version !== version) this.#view = await this.#load(db, version);
    return this.#view;
  }

  async #load(db: Queryable, version: number): Promise<DefinitionsView> {
    const { rows } = await db.query<DefinitionRow>(
      'SELECT * FROM activation_definitions ORDER BY created_ms, key COLLATE "C"',
    );
    return buildDefinitionsView(version, rows);
  }

  /** Locks the meta row (saves and backfill steps serialize on it); answers the version. */
  async #lockVersion(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ v: number }>(
      'SELECT definitions_version AS v FROM activation_meta WHERE id = 1 FOR UPDATE',
    );
    return rows[0]!.v;
  }

  async #bump(db: Queryable): Promise<void> {
    await db.query('UPDATE activation_meta SET definitions_version = definitions_version + 1 WHERE id = 1');
  }

  /** Must run inside a transaction. */
  async save(db: Queryable, input: SaveDefinitionInput): Promise<SaveDefinitionOutcome> {
    if ((await this.#lockVersion(db)) !== input.expectedVersion) return { status: 'version_changed' };
    const { kind, definition } = input;
    const existing = (
      await db.query('SELECT 1 FROM activation_definitions WHERE kind = $1 AND key = $2', [kind, definition.key])
    ).rowCount;
    if (input.mode === 'create' && existing) return { status: 'exists' };
    if (input.mode === 'replace' && !existing) return { status: 'not_found' };
    // NOTE: the sequence's position, not MAX(id): a fragment an in-flight transaction holds is covered too.
    const upto = (
      await db.query<{ n: number }>('SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM id_fragment_ids')
    ).rows[0]!.n;
    const text = JSON.stringify(definition);
    const { rows } = await db.query<DefinitionRow>(
      existing
        ? `UPDATE activation_definitions SET definition = $3, status = 'backfilling', updated_ms = $4, backfill_upto = $5
           WHERE kind = $1 AND key = $2 RETURNING *`
        : `INSERT INTO activation_definitions (kind, key, definition, status, created_ms, updated_ms, backfill_upto)
           VALUES ($1, $2, $3, 'backfilling', $4, $4, $5) RETURNING *`,
      [kind, definition.key, text, input.now, upto],
    );
    await this.#bump(db);
    // A new backfill scan starts from the first profile: the definitions it covers changed.
    await db.query('UPDATE activation_meta SET backfill_cursor = 0 WHERE id = 1');
    return { status: 'saved', record: toDefinitionRecord(rows[0]!) };
  }

  /** Must run inside a transaction. */
  async remove(
    db: Queryable,
    kind: DefinitionKind,
    key: string,
    expectedVersion: number,
  ): Promise<'deleted' | 'not_found' | 'version_changed'> {
    if ((await this.#lockVersion(db)) !== expectedVersion) return 'version_changed';
    const removed = await db.query('DELETE FROM activation_definitions WHERE kind = $1 AND key = $2', [kind, key]);
    if (removed.rowCount === 0) return 'not_found';
    await this.#bump(db);
    return 'deleted';
  }

  /** The backfill's position, with the meta row locked until the transaction ends. */
  async lockBackfillCursor(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ c: number }>(
      'SELECT backfill_cursor AS c FROM activation_meta WHERE id = 1 FOR UPDATE',
    );
    return rows[0]!.c;
  }

  async setBackfillCursor(db: Queryable, cursor: number): Promise<void> {
    await db.query('UPDATE activation_meta SET backfill_cursor = $1 WHERE id = 1', [cursor]);
  }

  /** True while some definition is still backfilling, as this transaction sees it. */
  async anyBackfilling(db: Queryable): Promise<boolean> {
    const { rowCount } = await db.query("SELECT 1 FROM activation_definitions WHERE status = 'backfilling' LIMIT 1");
    return (rowCount ?? 0) > 0;
  }

  /** Marks live every backfilling definition whose profiles the scan has passed. Must run inside a transaction. */
  async finishBackfill(db: Queryable, cursor: number): Promise<void> {
    const changed = await db.query(
      `UPDATE activation_definitions SET status = 'live' WHERE status = 'backfilling' AND backfill_upto <= $1`,
      [cursor],
    );
    // Status is part of the snapshot readers see: move the version so caches reload.
    if ((changed.rowCount ?? 0) > 0) await this.#bump(db);
  }
}
