import { describe, expect, it } from 'vitest';
import { expectedPurchases } from './bgnbd.js';
import { simulateBgNbd } from './simulate.js';
import { MS_PER_WEEK } from './summary.js';

const TRUTH = { r: 0.5, alpha: 5, a: 0.7, b: 3 };
const AS_OF = Date.UTC(2026, 0, 1);

describe('simulateBgNbd', () => {
  it('gives the same customers for the same seed and others for another', () => {
    const one = simulateBgNbd({ params: TRUTH, customers: 50, seed: 9, asOf: AS_OF });
    expect(simulateBgNbd({ params: TRUTH, customers: 50, seed: 9, asOf: AS_OF })).toEqual(one);
    expect(simulateBgNbd({ params: TRUTH, customers: 50, seed: 10, asOf: AS_OF })).not.toEqual(one);
  });

  it('keeps purchases ascending within the observation window, the first one T weeks before asOf', () => {
    for (const { purchases } of simulateBgNbd({
      params: TRUTH,
      customers: 500,
      seed: 3,
      asOf: AS_OF,
      observationWeeks: [10, 20],
    })) {
      const first = purchases[0] ?? Number.NaN;
      expect(AS_OF - first).toBeGreaterThanOrEqual(10 * MS_PER_WEEK);
      expect(AS_OF - first).toBeLessThanOrEqual(20 * MS_PER_WEEK);
      for (let i = 1; i < purchases.length; i++) {
        expect(purchases[i]).toBeGreaterThan(purchases[i - 1] ?? Number.POSITIVE_INFINITY);
        expect(purchases[i]).toBeLessThanOrEqual(AS_OF);
      }
    }
  });

  it('draws as many repeat purchases on average as the model expects, E[X(T)]', () => {
    // 20,000 customers: the mean's standard error is about 1% of E[X(39)] = 1.6.
    const customers = simulateBgNbd({
      params: TRUTH,
      customers: 20_000,
      seed: 5,
      asOf: AS_OF,
      observationWeeks: [39, 39],
    });
    const mean = customers.reduce((sum, { purchases }) => sum + purchases.length - 1, 0) / customers.length;
    const expected = expectedPurchases(TRUTH, 39);
    expect(Math.abs(mean - expected) / expected).toBeLessThan(0.04);
  });
});
