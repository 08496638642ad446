/**
 * Churn-risk wire types (issue 12): the BG/NBD fit as `POST /v1/models/churn/fit`
 * and `GET /v1/models/churn` answer it, the churn figures `GET /v1/profiles/{ref}`
 * adds, the `{ churn }` audience condition and the `churn.risk_changed` webhook data.
 */

/** The per-profile churn outputs an audience condition can compare. */
export const CHURN_OUTPUTS = [
  'pAlive',
  'expectedPurchases30d',
  'expectedPurchases90d',
  'meanValue',
  'expectedValue90d',
] as const;
export type ChurnOutput = (typeof CHURN_OUTPUTS)[number];

/** Operators of a churn condition: the outputs are continuous, so only orderings. */
export const CHURN_OPS = ['lt', 'lte', 'gt', 'gte'] as const;
export type ChurnOp = (typeof CHURN_OPS)[number];

/** `{ churn: 'pAlive', op: 'lt', value: 0.3 }`: holds while the profile's output compares so. */
export interface ChurnPredicate {
  churn: ChurnOutput;
  op: ChurnOp;
  value: number;
}

/** `fitted`, or `insufficient_data` when fewer purchasers than `churn.minPurchasers` were found. */
export type ChurnFitStatus = 'fitted' | 'insufficient_data';

/** `POST /v1/models/churn/fit` body; every field optional. */
export interface ChurnFitInput {
  /** ISO instant the data is summarised at (purchases after it are ignored); default now. */
  asOf?: string;
  /** Purchase event name; default the config's `churn.event`. */
  event?: string;
  /** Monetary property; default the config's `churn.valueProperty`. */
  valueProperty?: string;
}

/** One fit as kept (`GET /v1/models/churn`, `GET /v1/models/churn/fits`). */
export interface ChurnFit {
  id: number;
  status: ChurnFitStatus;
  /** r, α (weeks), a, b; null for `insufficient_data`. */
  params: { r: number; alpha: number; a: number; b: number } | null;
  /** Purchasers fitted (or found, when too few). */
  customers: number;
  logLikelihood: number | null;
  converged: boolean;
  iterations: number;
  fittedAt: string;
  asOf: string;
  event: string;
  /** Null: the first of `revenue`, `total`, `value` that is a number. */
  valueProperty: string | null;
  /** The P(alive) band boundaries in force for `churn.risk_changed`. */
  bands: number[];
  /** Purchasers needed for a fit. */
  minPurchasers: number;
}

/** What `GET /v1/profiles/{ref}` shows under `churn` (null without a fit or without a purchase). */
export interface ProfileChurn {
  pAlive: number;
  expectedPurchases30d: number;
  expectedPurchases90d: number;
  /** Repeat purchase days, weeks from first to last purchase, weeks from first purchase to now. */
  x: number;
  tx: number;
  T: number;
  meanValue: number | null;
  explanation: string;
}

/** `churn.risk_changed` data: the profile's P(alive) moved into another configured band. */
export interface ChurnRiskChangedData {
  profileId: string;
  pAlive: number;
  /** Band label such as `"0.3-0.5"`: [lower, upper) of P(alive). */
  band: string;
  previousBand: string | null;
}
