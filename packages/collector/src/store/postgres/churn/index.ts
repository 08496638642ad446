/**
 * Churn inside the PostgreSQL store (the SQLite store's `SqliteChurn`, method
 * for method, async and given the transaction's connection): purchase
 * summaries aggregated in one query, fits kept with their time, the refit
 * schedule row with its lease, and the current fit as the activation engine
 * reads it. The model itself is the pure `src/activation/churn`.
 *
 * Several collectors share the refit row: `claimRefit` is one UPDATE whose
 * WHERE (due, lease free or run out) PostgreSQL re-checks on the row a
 * concurrent claimer just committed, so exactly one of them gets it.
 */
import type { ChurnFit } from '@exhaust/schema';
import type { ChurnPurchases } from '../../../activation/churn/outputs.js';
import { type ChurnFitRow, fitRowValues, toChurnFit, toChurnPurchases, valuePropertiesOf } from '../../churn-rows.js';
import type { PurchaseSummaryQuery, PurchaseSummaryRow, SaveChurnFitInput } from '../../store.js';
import { SYSTEM_EVENT_SOURCE } from '../events.js';
import type { Queryable } from '../pool.js';

export { type PgChurnBandHook, PgChurnBandTracker } from './bands.js';
export { CHURN_MIGRATION_SQL } from './schema.js';

/** The value of property `$n` of a purchase when it is a JSON number. */
const numberProperty = (n: number) =>
  `CASE WHEN json_typeof(e.payload -> 'properties' -> $${n}::text) = 'number'
    THEN (e.payload -> 'properties' ->> $${n}::text)::double precision END`;

/**
 * Purchase days per canonical profile: the inner query groups a profile's purchases by UTC day
 * (one purchase occasion per day, its values summed), the outer one counts the days.
 * $1 event, $2 as of (epoch ms), $3 just after it (timestamptz, prunes partitions), $4-$6 the
 * value properties tried in order, $7 one canonical profile (`one` only).
 */
function summarySql(where: string): string {
  return `WITH days AS (
      SELECT f.canonical_id AS pid, MIN(e.ms) AS first, MAX(e.ms) AS last, SUM(e.v) AS day_value
      FROM (
        SELECT e.fragment_id, floor(extract(epoch FROM e.ts) * 1000)::bigint AS ms,
          COALESCE(${numberProperty(4)}, ${numberProperty(5)}, ${numberProperty(6)}) AS v
        FROM events e
        WHERE e.event = $1 AND e.type = 'track' AND e.source <> '${SYSTEM_EVENT_SOURCE}'
          AND e.fragment_id IS NOT NULL AND e.ts < $3::timestamptz
      ) e JOIN id_fragments f ON f.id = e.fragment_id
      WHERE e.ms <= $2 ${where}
      GROUP BY f.canonical_id, e.ms / 86400000
    )
    SELECT p.public_id AS "profileId", COUNT(*) AS "purchaseDays", MIN(first) AS "firstPurchaseAt",
      MAX(last) AS "lastPurchaseAt", AVG(day_value) AS "meanValue"
    FROM days JOIN id_fragments p ON p.id = days.pid
    GROUP BY days.pid, p.public_id ORDER BY days.pid`;
}

const SQL = {
  all: summarySql(''),
  one: summarySql('AND f.canonical_id = $7'),
  insertFit: `INSERT INTO churn_fits (status, fitted_ms, as_of_ms, event, value_property, customers, r, alpha, a, b,
      log_likelihood, converged, iterations, min_purchasers, bands)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *`,
  latestId: 'SELECT MAX(id) AS id FROM churn_fits',
  fitById: 'SELECT * FROM churn_fits WHERE id = $1',
  fits: 'SELECT * FROM churn_fits ORDER BY id DESC LIMIT $1',
  rearm: 'UPDATE churn_refit SET due_ms = $1, lease_owner = NULL, lease_until_ms = NULL WHERE id = 1',
  claim: `UPDATE churn_refit SET lease_owner = $1, lease_until_ms = $2
    WHERE id = 1 AND due_ms <= $3 AND (lease_until_ms IS NULL OR lease_until_ms <= $3) RETURNING id`,
  nextDue: 'SELECT COALESCE(lease_until_ms, due_ms) AS at FROM churn_refit WHERE id = 1',
  eraseBands: 'DELETE FROM churn_bands WHERE profile_id = ANY($1::bigint[])',
} as const;

const named = (name: keyof typeof SQL, values: unknown[]) => ({ name: `churn_${name}`, text: SQL[name], values });

function summaryParams(query: PurchaseSummaryQuery): unknown[] {
  return [query.event, query.asOf, new Date(query.asOf + 1).toISOString(), ...valuePropertiesOf(query)];
}

export class PgChurn {
  /** The current fit, cached by id (fits never change; `SELECT MAX(id)` is one index probe). */
  #current: ChurnFit | null = null;

  async summaries(db: Queryable, query: PurchaseSummaryQuery): Promise<PurchaseSummaryRow[]> {
    return (await db.query<PurchaseSummaryRow>(named('all', summaryParams(query)))).rows;
  }

  /** One canonical profile's purchases, as the audience engine and the profile read need them. */
  async purchasesOf(db: Queryable, rootId: number, query: PurchaseSummaryQuery): Promise<ChurnPurchases | null> {
    const [row] = (await db.query<PurchaseSummaryRow>(named('one', [...summaryParams(query), rootId]))).rows;
    return row ? toChurnPurchases(row) : null;
  }

  /** The newest fit (any status); null before the first. Another collector may have saved it. */
  async current(db: Queryable): Promise<ChurnFit | null> {
    const id = (await db.query<{ id: number | null }>(named('latestId', []))).rows[0]?.id ?? null;
    if (id === null) return null;
    if (this.#current?.id !== id) {
      this.#current = toChurnFit((await db.query<ChurnFitRow>(named('fitById', [id]))).rows[0]!);
    }
    return this.#current;
  }

  /** Keeps the fit and re-arms the refit schedule, releasing its lease. */
  async save(db: Queryable, { fit, nextRefitAt }: SaveChurnFitInput): Promise<ChurnFit> {
    const [row] = (
      await db.query<ChurnFitRow>(
        named(
          'insertFit',
          fitRowValues(fit, (converged) => converged),
        ),
      )
    ).rows;
    await db.query(named('rearm', [nextRefitAt]));
    this.#current = toChurnFit(row!);
    return this.#current;
  }

  async list(db: Queryable, limit: number): Promise<ChurnFit[]> {
    return (await db.query<ChurnFitRow>(named('fits', [limit]))).rows.map(toChurnFit);
  }

  /** True when `owner` now holds the refit: it was due and nobody held a live lease. */
  async claimRefit(db: Queryable, { now, owner, leaseMs }: { now: number; owner: string; leaseMs: number }) {
    return ((await db.query(named('claim', [owner, now + leaseMs, now]))).rowCount ?? 0) > 0;
  }

  async nextRefitAt(db: Queryable): Promise<number> {
    return (await db.query<{ at: number }>(named('nextDue', []))).rows[0]!.at;
  }

  /** Erasure: the bands of these fragments go (fits hold no person's data). */
  async erase(db: Queryable, fragmentIds: readonly number[]): Promise<void> {
    if (fragmentIds.length > 0) await db.query(named('eraseBands', [fragmentIds]));
  }

  /** Drops the cached fit (after a rolled-back transaction). */
  forget(): void {
    this.#current = null;
  }
}
