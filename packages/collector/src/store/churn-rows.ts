/**
 * Churn rows as both stores keep them (fits, purchase summaries) and their one
 * mapping to the wire types: the SQL differs per engine, the meaning does not.
 */
import type { ChurnFit, ChurnFitStatus } from '@exhaust/schema';
import type { ChurnPurchases } from '../activation/churn/outputs.js';
import type { PurchaseSummaryQuery, PurchaseSummaryRow } from './store.js';

/** Monetary properties tried in order when no value property is configured. */
export const DEFAULT_VALUE_PROPERTIES = ['revenue', 'total', 'value'] as const;

/** The three properties tried for a purchase's value: the configured one three times, or the defaults. */
export function valuePropertiesOf({ valueProperty }: Pick<PurchaseSummaryQuery, 'valueProperty'>): readonly string[] {
  return valueProperty === null ? DEFAULT_VALUE_PROPERTIES : [valueProperty, valueProperty, valueProperty];
}

/** A row of `churn_fits` (SQLite keeps `converged` as 0/1, PostgreSQL as a boolean). */
export interface ChurnFitRow {
  id: number;
  status: ChurnFitStatus;
  fitted_ms: number;
  as_of_ms: number;
  event: string;
  value_property: string | null;
  customers: number;
  r: number | null;
  alpha: number | null;
  a: number | null;
  b: number | null;
  log_likelihood: number | null;
  converged: number | boolean;
  iterations: number;
  min_purchasers: number;
  /** JSON array of the P(alive) band boundaries in force when fitted. */
  bands: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toChurnFit(row: ChurnFitRow): ChurnFit {
  const fitted = row.status === 'fitted' && row.r !== null && row.alpha !== null && row.a !== null && row.b !== null;
  return {
    id: row.id,
    status: row.status,
    params: fitted ? { r: row.r!, alpha: row.alpha!, a: row.a!, b: row.b! } : null,
    customers: row.customers,
    logLikelihood: row.log_likelihood,
    converged: row.converged === 1 || row.converged === true,
    iterations: row.iterations,
    fittedAt: iso(row.fitted_ms),
    asOf: iso(row.as_of_ms),
    event: row.event,
    valueProperty: row.value_property,
    bands: JSON.parse(row.bands) as number[],
    minPurchasers: row.min_purchasers,
  };
}

/**
 * The values of a new `churn_fits` row, in column order: status, fitted_ms, as_of_ms, event,
 * value_property, customers, r, alpha, a, b, log_likelihood, converged, iterations,
 * min_purchasers, bands.
 */
export function fitRowValues(fit: Omit<ChurnFit, 'id'>, converged: (value: boolean) => unknown): unknown[] {
  return [
    fit.status,
    Date.parse(fit.fittedAt),
    Date.parse(fit.asOf),
    fit.event,
    fit.valueProperty,
    fit.customers,
    fit.params?.r ?? null,
    fit.params?.alpha ?? null,
    fit.params?.a ?? null,
    fit.params?.b ?? null,
    fit.logLikelihood,
    converged(fit.converged),
    fit.iterations,
    fit.minPurchasers,
    JSON.stringify(fit.bands),
  ];
}

/** One profile's summary as the churn figures read it. */
export const toChurnPurchases = (row: PurchaseSummaryRow): ChurnPurchases => ({
  x: row.purchaseDays - 1,
  firstPurchaseAt: row.firstPurchaseAt,
  lastPurchaseAt: row.lastPurchaseAt,
  meanValue: row.meanValue,
});
