/**
 * Tracks each evaluated profile's P(alive) band for `churn.risk_changed` (the
 * SQLite store's `ChurnBandTracker`, async): at every evaluation the band is
 * compared with the stored one, a change is announced (the first band a
 * profile gets is recorded silently), and the instant P(alive) next leaves its
 * band becomes part of the profile's due time. The activation area calls it
 * inside its evaluation's transaction, with the profile's lock held, so two
 * collectors never evaluate one profile's band at once.
 */
import { type ChurnFacts, churnBand, nextBandChangeAt, probabilityAliveAt } from '../../../activation/churn/outputs.js';
import type { Queryable } from '../pool.js';

/** Told of each band change, inside the evaluation's transaction: the webhook outbox. */
export interface PgChurnBandHook {
  /** False when nobody listens: bands are then not tracked at all. */
  active(): boolean;
  changed(
    db: Queryable,
    rootId: number,
    change: { pAlive: number; band: string; previousBand: string | null },
    now: number,
  ): Promise<void> | void;
}

export class PgChurnBandTracker {
  readonly #hook: PgChurnBandHook;
  readonly #boundaries: () => readonly number[];

  /** @param boundaries the current fit's band boundaries, ascending */
  constructor(hook: PgChurnBandHook, boundaries: () => readonly number[]) {
    this.#hook = hook;
    this.#boundaries = boundaries;
  }

  get active(): boolean {
    return this.#hook.active();
  }

  /** Records the profile's band at `now`, announces a change; answers when it next changes (null: never). */
  async track(
    db: Queryable,
    rootId: number,
    facts: ChurnFacts | null | undefined,
    now: number,
  ): Promise<number | null> {
    const bands = this.#boundaries();
    if (!this.#hook.active() || !facts?.purchases || bands.length === 0) return null;
    const pAlive = probabilityAliveAt(facts.params, facts.purchases, now);
    const band = churnBand(bands, pAlive);
    // One statement: the band kept before (null when none) and the new one written.
    const { rows } = await db.query<{ previous: string | null }>({
      name: 'churn_band_put',
      text: `WITH before AS (SELECT band FROM churn_bands WHERE profile_id = $1),
               put AS (INSERT INTO churn_bands (profile_id, band) VALUES ($1, $2)
                       ON CONFLICT (profile_id) DO UPDATE SET band = excluded.band
                       WHERE churn_bands.band IS DISTINCT FROM excluded.band)
             SELECT (SELECT band FROM before) AS previous`,
      values: [rootId, band],
    });
    const previous = rows[0]?.previous ?? null;
    if (previous !== null && previous !== band) {
      await this.#hook.changed(db, rootId, { pAlive, band, previousBand: previous }, now);
    }
    return nextBandChangeAt(facts.params, facts.purchases, bands, now);
  }

  /** A profile merged away or erased keeps no band. */
  async forget(db: Queryable, rootId: number): Promise<void> {
    await db.query({
      name: 'churn_band_drop',
      text: 'DELETE FROM churn_bands WHERE profile_id = $1',
      values: [rootId],
    });
  }
}
