import { describe, expect, it } from 'vitest';
import {
  aliveFallsBelowAt,
  type BgNbdParams,
  conditionalExpectedPurchases,
  customerLogLikelihood,
  expectedPurchases,
  logLikelihood,
  logLikelihoodWithGradient,
  probabilityAlive,
} from './bgnbd.js';
import { loadCdnowSummary } from './cdnow.support.js';

/** The published CDNOW estimates (Fader, Hardie and Lee 2005), to the digits lifetimes prints. */
const CDNOW: BgNbdParams = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };
/** The same, rounded as the paper's table prints them. */
const CDNOW_ROUNDED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const CUSTOMER_1 = { x: 2, tx: 30.43, T: 38.86 };
const CUSTOMER_2 = { x: 1, tx: 1.71, T: 38.86 };

describe('BG/NBD on the CDNOW sample', () => {
  it('has log-likelihood -9582.4 at the published parameters over the 2,357 customers', () => {
    const customers = loadCdnowSummary();
    expect(customers).toHaveLength(2357);
    expect(logLikelihood(CDNOW, customers)).toBeCloseTo(-9582.43, 1);
  });

  it('gives P(alive) 0.727 for customer 1 and 0.212 for customer 2', () => {
    const [first, second] = loadCdnowSummary();
    expect(first).toEqual(CUSTOMER_1);
    expect(second).toEqual(CUSTOMER_2);
    expect(probabilityAlive(CDNOW, CUSTOMER_1)).toBeCloseTo(0.727, 3);
    expect(probabilityAlive(CDNOW, CUSTOMER_2)).toBeCloseTo(0.212, 3);
  });

  it('expects 1.226 purchases from customer 1 in the next 39 weeks', () => {
    expect(conditionalExpectedPurchases(CDNOW, CUSTOMER_1, 39)).toBeCloseTo(1.226, 3);
  });

  it.each([
    [0.1429, 0.0078],
    [1, 0.0532],
    [3, 0.1506],
    [31.8571, 1.0405],
    [32, 1.0437],
    [78, 1.8576],
  ])('expects E[X(%f)] = %f purchases of a new customer (lifetimes test oracles)', (t, expected) => {
    expect(Math.abs(expectedPurchases(CDNOW, t) - expected)).toBeLessThan(1e-3);
  });
});

describe('E[Y(t)] against mpmath (30 digits, paper-rounded parameters)', () => {
  // [x, tx, T, t, E[Y(t) | x, tx, T]]: includes customers whose direct 2F1 series would overflow.
  it.each([
    [2, 30.43, 38.86, 39, 1.226028174767144],
    [5, 10, 38.86, 13, 0.03596099339198892],
    [200, 38, 38.86, 4, 14.658887041045741],
    [1000, 38.8, 38.86, 13, 269.2163316234866],
  ])('x %i, tx %f, T %f, t %f', (x, tx, T, t, expected) => {
    const value = conditionalExpectedPurchases(CDNOW_ROUNDED, { x, tx, T }, t);
    expect(Math.abs(value - expected) / expected).toBeLessThan(1e-9);
  });

  it('is 0 for a horizon of 0 and grows with the horizon', () => {
    expect(conditionalExpectedPurchases(CDNOW, CUSTOMER_1, 0)).toBe(0);
    const horizons = [1, 4.3, 13, 52, 520];
    const values = horizons.map((t) => conditionalExpectedPurchases(CDNOW, CUSTOMER_1, t));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] ?? 0);
  });
});

describe('P(alive) edge cases', () => {
  it('is 1 for a customer who never bought again (x = 0), however long ago', () => {
    expect(probabilityAlive(CDNOW, { x: 0, tx: 0, T: 38.86 })).toBe(1);
    expect(probabilityAlive(CDNOW, { x: 0, tx: 0, T: 1e6 })).toBe(1);
  });

  it('is 1/(1 + a/(b+x-1)) just after a purchase (tx = T)', () => {
    for (const x of [1, 2, 10]) {
      const expected = 1 / (1 + CDNOW.a / (CDNOW.b + x - 1));
      expect(probabilityAlive(CDNOW, { x, tx: 20, T: 20 })).toBeCloseTo(expected, 12);
    }
  });

  it('stays finite and in [0, 1] for a huge x', () => {
    // Bought just now: the dropout odds a/(b+x-1) vanish. Any gap, even 0.06 weeks, is an eternity at
    // a million purchases in 39 weeks, and (..)^(r+x) overflows a double unless taken in logs.
    expect(probabilityAlive(CDNOW, { x: 1e6, tx: 38.86, T: 38.86 })).toBeGreaterThan(0.99999);
    expect(probabilityAlive(CDNOW, { x: 1e6, tx: 38.8, T: 38.86 })).toBeLessThan(1e-300);
    const stale = probabilityAlive(CDNOW, { x: 1e6, tx: 10, T: 38.86 });
    expect(stale).toBeGreaterThanOrEqual(0);
    expect(stale).toBeLessThan(1e-300);
    expect(Number.isFinite(conditionalExpectedPurchases(CDNOW, { x: 5000, tx: 38.8, T: 38.86 }, 13))).toBe(true);
  });

  it('tends to 0 when T is far beyond tx', () => {
    const values = [40, 400, 4000, 40_000].map((T) => probabilityAlive(CDNOW, { x: 3, tx: 20, T }));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1] ?? 1);
    expect(values[3]).toBeLessThan(1e-6);
  });
});

describe('aliveFallsBelowAt', () => {
  it.each([0.8, 0.5, 0.3, 0.1, 0.01])('finds the age at which P(alive) of customer 1 reaches %f', (p) => {
    const T = aliveFallsBelowAt(CDNOW, CUSTOMER_1, p);
    expect(T).toBeGreaterThan(CUSTOMER_1.tx);
    expect(probabilityAlive(CDNOW, { ...CUSTOMER_1, T })).toBeCloseTo(p, 10);
    // Strictly above just before, below just after: a crossing, not a touch.
    expect(probabilityAlive(CDNOW, { ...CUSTOMER_1, T: T * (1 - 1e-6) })).toBeGreaterThan(p);
    expect(probabilityAlive(CDNOW, { ...CUSTOMER_1, T: T * (1 + 1e-6) })).toBeLessThan(p);
  });

  it('answers tx when P(alive) is already below the threshold right after the last purchase', () => {
    // Just after a purchase, P(alive) = 1/(1 + a/(b+x-1)) = 0.754 for x = 1; customer 1 starts at 0.812.
    expect(aliveFallsBelowAt(CDNOW, { x: 1, tx: 5 }, 0.8)).toBe(5);
    expect(aliveFallsBelowAt(CDNOW, CUSTOMER_1, 0.9)).toBe(CUSTOMER_1.tx);
    expect(aliveFallsBelowAt(CDNOW, { x: 1, tx: 5 }, 1)).toBe(5);
  });

  it('answers Infinity when P(alive) never gets there', () => {
    expect(aliveFallsBelowAt(CDNOW, { x: 0, tx: 0 }, 0.5)).toBe(Number.POSITIVE_INFINITY);
    expect(aliveFallsBelowAt(CDNOW, { x: 4, tx: 5 }, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('logLikelihoodWithGradient', () => {
  const customers = [CUSTOMER_1, CUSTOMER_2, { x: 0, tx: 0, T: 30 }, { x: 7, tx: 29, T: 30 }, { x: 1, tx: 30, T: 30 }];

  it('agrees with the per-customer sum', () => {
    const { value } = logLikelihoodWithGradient(CDNOW, customers);
    const sum = customers.reduce((total, customer) => total + customerLogLikelihood(CDNOW, customer), 0);
    expect(value).toBeCloseTo(sum, 10);
  });

  it('has the gradient of a central finite difference in log-parameters', () => {
    const { gradient } = logLikelihoodWithGradient(CDNOW, customers);
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    const h = 1e-6;
    keys.forEach((key, i) => {
      const up = { ...CDNOW, [key]: CDNOW[key] * Math.exp(h) };
      const down = { ...CDNOW, [key]: CDNOW[key] * Math.exp(-h) };
      const numeric = (logLikelihood(up, customers) - logLikelihood(down, customers)) / (2 * h);
      expect(gradient[i]).toBeCloseTo(numeric, 5);
    });
  });
});
