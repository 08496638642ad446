/**
 * Tracks each evaluated profile's P(alive) band for `churn.risk_changed`:
 * at every evaluation the band is compared with the stored one, a change is
 * announced (the first band a profile gets is recorded silently, as a
 * backfill joins audiences silently), and the instant P(alive) next leaves
 * its band becomes part of the profile's due time, so the scheduler
 * re-evaluates it exactly then.
 */
import type { Database, Statement } from 'better-sqlite3';
import { type ChurnFacts, churnBand, nextBandChangeAt, probabilityAliveAt } from '../../../activation/churn/outputs.js';

/** Told of each band change, inside the evaluation's transaction: the webhook outbox. */
export interface ChurnBandHook {
  /** False when nobody listens: bands are then not tracked at all. */
  active(): boolean;
  changed(rootId: number, change: { pAlive: number; band: string; previousBand: string | null }, now: number): void;
}

export class ChurnBandTracker {
  readonly #hook: ChurnBandHook;
  readonly #get: Statement<[number]>;
  readonly #put: Statement<[number, string]>;
  readonly #drop: Statement<[number]>;
  readonly #boundaries: () => readonly number[];

  /** @param boundaries the current fit's band boundaries, ascending */
  constructor(db: Database, hook: ChurnBandHook, boundaries: () => readonly number[]) {
    this.#hook = hook;
    this.#boundaries = boundaries;
    this.#get = db.prepare('SELECT band FROM churn_bands WHERE profile_id = ?');
    this.#put = db.prepare(
      'INSERT INTO churn_bands (profile_id, band) VALUES (?, ?) ON CONFLICT (profile_id) DO UPDATE SET band = excluded.band',
    );
    this.#drop = db.prepare('DELETE FROM churn_bands WHERE profile_id = ?');
  }

  get active(): boolean {
    return this.#hook.active();
  }

  /** Records the profile's band at `now`, announces a change; answers when it next changes (null: never). */
  track(rootId: number, facts: ChurnFacts | null | undefined, now: number): number | null {
    const bands = this.#boundaries();
    if (!this.#hook.active() || !facts?.purchases || bands.length === 0) return null;
    const pAlive = probabilityAliveAt(facts.params, facts.purchases, now);
    const band = churnBand(bands, pAlive);
    const previous = this.#get.pluck().get(rootId) as string | undefined;
    if (previous !== band) {
      this.#put.run(rootId, band);
      if (previous !== undefined) this.#hook.changed(rootId, { pAlive, band, previousBand: previous }, now);
    }
    return nextBandChangeAt(facts.params, facts.purchases, bands, now);
  }

  /** A profile merged away or erased keeps no band. */
  forget(rootId: number): void {
    this.#drop.run(rootId);
  }
}
