/**
 * One profile's churn figures at an instant, from the current fit and the
 * profile's purchase summary. T grows with the clock, so every figure is a
 * function of time: the profile read computes them at read time, and the
 * audience condition asks when they cross a threshold.
 */
import type { ChurnOutput, ProfileChurn } from '@exhaust/schema';
import {
  aliveFallsBelowAt,
  type BgNbdCustomer,
  type BgNbdParams,
  conditionalExpectedPurchases,
  probabilityAlive,
} from './bgnbd.js';
import { explainChurn } from './explain.js';
import { MS_PER_WEEK } from './summary.js';

/** 30 and 90 days in weeks, the model's unit. */
export const WEEKS_30_DAYS = 30 / 7;
export const WEEKS_90_DAYS = 90 / 7;

/** A profile's purchases reduced to what the churn figures need (times epoch ms). */
export interface ChurnPurchases {
  /** Repeat purchase days (purchase days after the first). */
  x: number;
  firstPurchaseAt: number;
  lastPurchaseAt: number;
  /** Mean spend per purchase day; null when no purchase carried a value. */
  meanValue: number | null;
}

/** What the audience engine reads about churn: the current fit and the profile's purchases (null: none). */
export interface ChurnFacts {
  params: BgNbdParams;
  purchases: ChurnPurchases | null;
}

/** (x, t_x, T) in weeks at instant `at` (T never below t_x). */
export function customerAt(purchases: ChurnPurchases, at: number): BgNbdCustomer {
  const tx = (purchases.lastPurchaseAt - purchases.firstPurchaseAt) / MS_PER_WEEK;
  const T = Math.max(tx, (at - purchases.firstPurchaseAt) / MS_PER_WEEK);
  return { x: purchases.x, tx, T };
}

/**
 * One output at instant `at`; null when it cannot be told (expectedValue90d without a mean value).
 * @example
 * churnOutputAt(params, purchases, 'pAlive', Date.now()); // 0.42
 */
export function churnOutputAt(
  params: BgNbdParams,
  purchases: ChurnPurchases,
  output: ChurnOutput,
  at: number,
): number | null {
  const customer = customerAt(purchases, at);
  switch (output) {
    case 'pAlive':
      return probabilityAlive(params, customer);
    case 'expectedPurchases30d':
      return conditionalExpectedPurchases(params, customer, WEEKS_30_DAYS);
    case 'expectedPurchases90d':
      return conditionalExpectedPurchases(params, customer, WEEKS_90_DAYS);
    case 'meanValue':
      return purchases.meanValue;
    case 'expectedValue90d':
      return purchases.meanValue === null
        ? null
        : conditionalExpectedPurchases(params, customer, WEEKS_90_DAYS) * purchases.meanValue;
  }
}

/**
 * The `churn` block of `GET /v1/profiles/{ref}` at `now`.
 * @example
 * profileChurn(params, { x: 4, firstPurchaseAt, lastPurchaseAt, meanValue: 42 }, Date.now());
 */
export function profileChurn(params: BgNbdParams, purchases: ChurnPurchases, now: number): ProfileChurn {
  const customer = customerAt(purchases, now);
  return {
    pAlive: probabilityAlive(params, customer),
    expectedPurchases30d: conditionalExpectedPurchases(params, customer, WEEKS_30_DAYS),
    expectedPurchases90d: conditionalExpectedPurchases(params, customer, WEEKS_90_DAYS),
    x: customer.x,
    tx: customer.tx,
    T: customer.T,
    meanValue: purchases.meanValue,
    explanation: explainChurn(params, customer),
  };
}

/**
 * The label of the P(alive) band `p` falls in, for boundaries sorted ascending:
 * with [0.3, 0.5], "0-0.3", "0.3-0.5" or "0.5-1" (each band is [lower, upper)).
 */
export function churnBand(boundaries: readonly number[], p: number): string {
  let lower = 0;
  for (const boundary of boundaries) {
    if (p < boundary) return `${lower}-${boundary}`;
    lower = boundary;
  }
  return `${lower}-1`;
}

/**
 * The instant (epoch ms, > now) P(alive) next leaves its current band downwards, with no new
 * purchase; null when it never does (the lowest band, or a customer without a repeat purchase).
 */
export function nextBandChangeAt(
  params: BgNbdParams,
  purchases: ChurnPurchases,
  boundaries: readonly number[],
  now: number,
): number | null {
  const p = probabilityAlive(params, customerAt(purchases, now));
  let lower: number | null = null;
  for (const boundary of boundaries) if (p >= boundary) lower = boundary;
  if (lower === null || purchases.x === 0) return null;
  const tx = (purchases.lastPurchaseAt - purchases.firstPurchaseAt) / MS_PER_WEEK;
  const T = aliveFallsBelowAt(params, { x: purchases.x, tx }, lower);
  if (!Number.isFinite(T)) return null;
  let at = Math.ceil(purchases.firstPurchaseAt + T * MS_PER_WEEK);
  // At the exact crossing P(alive) equals the boundary, still in the band: step until it left.
  for (let i = 0; i < 3 && probabilityAlive(params, customerAt(purchases, at)) >= lower; i++) at += 1;
  return at > now ? at : now + 1;
}

/** P(alive) of a profile's purchases at instant `at`. */
export function probabilityAliveAt(params: BgNbdParams, purchases: ChurnPurchases, at: number): number {
  return probabilityAlive(params, customerAt(purchases, at));
}
