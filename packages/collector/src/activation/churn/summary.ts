/**
 * From one customer's purchases to the BG/NBD summary (x, t_x, T) and a mean
 * value, as of a given instant. Several purchases on one UTC calendar day
 * count as one purchase occasion, as in the paper's CDNOW data and lifetimes'
 * `summary_data_from_transaction_data`: a basket split into two orders is not
 * a repeat purchase.
 */

/** Milliseconds in a week, the time unit of every churn figure. */
export const MS_PER_WEEK = 7 * 24 * 60 * 60 * 1000;
const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** One purchase: when (epoch milliseconds) and, optionally, its monetary value. */
export interface Purchase {
  at: number;
  value?: number | null;
}

/** A customer's purchase history reduced to what BG/NBD needs. */
export interface PurchaseSummary {
  /** Repeat purchases: purchase days after the first one. */
  x: number;
  /** Weeks from the first purchase to the last. */
  tx: number;
  /** Weeks from the first purchase to `asOf`. */
  T: number;
  /**
   * Mean spend per purchase day (the values of one day are added up, so it is
   * in the same unit as x); null when no purchase carried a finite value.
   */
  meanValue: number | null;
  /** Epoch milliseconds of the first and the last purchase. */
  firstPurchaseAt: number;
  lastPurchaseAt: number;
}

/**
 * Summarises the purchases made at or before `asOf` (later ones are ignored, so a fit
 * "as of" a past instant sees what was known then). Returns null when there is none.
 * @param asOf epoch milliseconds
 * @example
 * const day = 86_400_000;
 * summarizePurchases([{ at: 0, value: 10 }, { at: 14 * day, value: 30 }], 28 * day);
 * // { x: 1, tx: 2, T: 4, meanValue: 20, firstPurchaseAt: 0, lastPurchaseAt: 1209600000 }
 */
export function summarizePurchases(purchases: Iterable<Purchase>, asOf: number): PurchaseSummary | null {
  const valueByDay = new Map<number, number | null>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const { at, value } of purchases) {
    if (!Number.isFinite(at) || at > asOf) continue;
    if (at < first) first = at;
    if (at > last) last = at;
    const day = Math.floor(at / MS_PER_DAY);
    const known = valueByDay.get(day) ?? null;
    const valid = typeof value === 'number' && Number.isFinite(value) ? value : null;
    valueByDay.set(day, valid === null ? known : (known ?? 0) + valid);
  }
  if (valueByDay.size === 0) return null;
  let valueSum = 0;
  let valuedDays = 0;
  for (const value of valueByDay.values()) {
    if (value === null) continue;
    valueSum += value;
    valuedDays += 1;
  }
  return {
    x: valueByDay.size - 1,
    tx: (last - first) / MS_PER_WEEK,
    T: (asOf - first) / MS_PER_WEEK,
    meanValue: valuedDays === 0 ? null : valueSum / valuedDays,
    firstPurchaseAt: first,
    lastPurchaseAt: last,
  };
}
