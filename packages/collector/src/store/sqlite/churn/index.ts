/**
 * Churn inside the SQLite store (issue 12): purchase summaries aggregated in
 * one query, fits kept with their time, the refit schedule row with its lease,
 * and the current fit as the activation engine reads it. The model itself is
 * the pure `src/activation/churn`.
 */
import type { ChurnFit } from '@exhaust/schema';
import type { Database, Statement } from 'better-sqlite3';
import type { ChurnPurchases } from '../../../activation/churn/outputs.js';
import {
  type ChurnFitRow as FitRow,
  fitRowValues,
  toChurnPurchases,
  toChurnFit as toFit,
  valuePropertiesOf,
} from '../../churn-rows.js';
import type { PurchaseSummaryQuery, PurchaseSummaryRow, SaveChurnFitInput } from '../../store.js';
import { EXHAUST_SOURCE } from '../activation/facts.js';

export { DEFAULT_VALUE_PROPERTIES } from '../../churn-rows.js';
export { CHURN_MIGRATION_SQL } from './schema.js';

/**
 * The value of one purchase: the first of three properties that is a number (the same name
 * three times when one is configured). `'$.properties."name"'` quotes the key, so any name works.
 */
const VALUE = [1, 2, 3]
  .map(
    (i) =>
      `CASE WHEN json_type(e.payload, '$.properties."' || :p${i} || '"') IN ('integer', 'real')
        THEN json_extract(e.payload, '$.properties."' || :p${i} || '"') END`,
  )
  .join(', ');

/**
 * Purchase days per canonical profile: the inner query groups a profile's purchases by UTC day
 * (one purchase occasion per day, its values summed), the outer one counts the days.
 */
function summarySql(where: string): string {
  return `WITH days AS (
      SELECT f.canonical_id AS pid, MIN(ms) AS first, MAX(ms) AS last, SUM(v) AS dayValue
      FROM (
        SELECT e.fragment_id, CAST(unixepoch(e.ts, 'subsec') * 1000 AS INTEGER) AS ms, COALESCE(${VALUE}) AS v
        FROM events e
        WHERE e.event = :event AND e.type = 'track' AND e.source <> '${EXHAUST_SOURCE}' AND e.fragment_id IS NOT NULL
      ) e JOIN id_fragments f ON f.id = e.fragment_id
      WHERE e.ms <= :asOf ${where}
      GROUP BY f.canonical_id, e.ms / 86400000
    )
    SELECT p.public_id AS profileId, COUNT(*) AS purchaseDays, MIN(first) AS firstPurchaseAt,
      MAX(last) AS lastPurchaseAt, AVG(dayValue) AS meanValue
    FROM days JOIN id_fragments p ON p.id = days.pid
    GROUP BY days.pid ORDER BY days.pid`;
}

const SQL = {
  all: summarySql(''),
  one: summarySql('AND f.canonical_id = :root'),
  insertFit: `INSERT INTO churn_fits (status, fitted_ms, as_of_ms, event, value_property, customers, r, alpha, a, b,
      log_likelihood, converged, iterations, min_purchasers, bands)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  latestId: 'SELECT MAX(id) FROM churn_fits',
  fitById: 'SELECT * FROM churn_fits WHERE id = ?',
  fits: 'SELECT * FROM churn_fits ORDER BY id DESC LIMIT ?',
  rearm: 'UPDATE churn_refit SET due_ms = ?, lease_owner = NULL, lease_until_ms = NULL WHERE id = 1',
  claim: `UPDATE churn_refit SET lease_owner = ?, lease_until_ms = ?
    WHERE id = 1 AND due_ms <= ? AND (lease_until_ms IS NULL OR lease_until_ms <= ?) RETURNING id`,
  nextDue: 'SELECT COALESCE(lease_until_ms, due_ms) FROM churn_refit WHERE id = 1',
  eraseBands: 'DELETE FROM churn_bands WHERE profile_id IN (SELECT value FROM json_each(?))',
} as const;

export class SqliteChurn {
  readonly #sql: Record<keyof typeof SQL, Statement<unknown[]>>;
  /** The current fit, cached by id (`SELECT MAX(id)` is one primary-key probe). */
  #current: ChurnFit | null = null;

  constructor(db: Database) {
    const prepared: Partial<Record<keyof typeof SQL, Statement<unknown[]>>> = {};
    for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) prepared[name] = db.prepare(SQL[name]);
    this.#sql = prepared as Record<keyof typeof SQL, Statement<unknown[]>>;
  }

  summaries(query: PurchaseSummaryQuery): PurchaseSummaryRow[] {
    return this.#sql.all.all(summaryParams(query)) as PurchaseSummaryRow[];
  }

  /** One canonical profile's purchases, as the audience engine and the profile read need them. */
  purchasesOf(rootId: number, query: PurchaseSummaryQuery): ChurnPurchases | null {
    const row = this.#sql.one.get({ ...summaryParams(query), root: rootId }) as PurchaseSummaryRow | undefined;
    return row ? toChurnPurchases(row) : null;
  }

  /** The newest fit (any status); null before the first. */
  current(): ChurnFit | null {
    const id = this.#sql.latestId.pluck().get() as number | null;
    if (id === null) return null;
    if (this.#current?.id !== id) this.#current = toFit(this.#sql.fitById.get(id) as FitRow);
    return this.#current;
  }

  save({ fit, nextRefitAt }: SaveChurnFitInput): ChurnFit {
    const row = this.#sql.insertFit.get(...fitRowValues(fit, (converged) => (converged ? 1 : 0))) as FitRow;
    this.#sql.rearm.run(nextRefitAt);
    this.#current = toFit(row);
    return this.#current;
  }

  list(limit: number): ChurnFit[] {
    return (this.#sql.fits.all(limit) as FitRow[]).map(toFit);
  }

  claimRefit({ now, owner, leaseMs }: { now: number; owner: string; leaseMs: number }): boolean {
    return this.#sql.claim.get(owner, now + leaseMs, now, now) !== undefined;
  }

  nextRefitAt(): number {
    return this.#sql.nextDue.pluck().get() as number;
  }

  /** Erasure: the bands of these fragments go (fits hold no person's data). */
  erase(fragmentIds: readonly number[]): void {
    this.#sql.eraseBands.run(JSON.stringify(fragmentIds));
  }

  /** Drops the cached fit (after a rolled-back transaction). */
  forget(): void {
    this.#current = null;
  }
}

function summaryParams(query: PurchaseSummaryQuery) {
  const [p1, p2, p3] = valuePropertiesOf(query);
  return { event: query.event, asOf: query.asOf, p1, p2, p3 };
}
