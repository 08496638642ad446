/**
 * The order of the audience changes feed across collectors. A change's row id
 * is drawn when it is written, long before its transaction commits, so two
 * collectors commit changes out of id order and a reader paging by id could
 * be handed a cursor past a change that commits afterwards, and never see it.
 * So the feed position (`feed_id`) is drawn last: just before COMMIT, under
 * one transaction lock, which is then held only for that UPDATE and the
 * COMMIT. Taken last, after every other lock, it cannot deadlock.
 */
import { lockKeyOf } from '../locks.js';
import type { Queryable } from '../pool.js';

const FEED_LOCK_KEY = lockKeyOf('exhaust:activation-feed');

/** Tracks which connections wrote changes in their current transaction. */
export class FeedNumbering {
  readonly #written = new WeakSet<object>();

  /** A change was written on this connection's transaction. */
  wrote(db: Queryable): void {
    this.#written.add(db);
  }

  /**
   * Numbers this transaction's changes in feed order; call right before COMMIT. Does nothing
   * when it wrote none (a connection marked by a rolled-back transaction numbers nothing).
   */
  async beforeCommit(db: Queryable): Promise<void> {
    if (!this.#written.has(db)) return;
    this.#written.delete(db);
    await db.query({
      name: 'activation_feed_lock',
      text: 'SELECT pg_advisory_xact_lock($1)',
      values: [FEED_LOCK_KEY],
    });
    // NOTE: only this transaction's rows lack a feed_id: others' are invisible or numbered.
    await db.query({
      name: 'activation_feed_number',
      text: `UPDATE activation_changes c SET feed_id = n.feed_id FROM (
               SELECT id, nextval('activation_feed_ids') AS feed_id
               FROM (SELECT id FROM activation_changes WHERE feed_id IS NULL ORDER BY id) o) n
             WHERE c.id = n.id`,
    });
  }
}
