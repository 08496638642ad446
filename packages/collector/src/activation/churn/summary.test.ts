import { describe, expect, it } from 'vitest';
import { MS_PER_WEEK, summarizePurchases } from './summary.js';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
/** A Monday, 00:00 UTC. */
const START = Date.UTC(2026, 0, 5);

describe('summarizePurchases', () => {
  it('counts repeat purchase days and measures tx and T in weeks from the first purchase', () => {
    const summary = summarizePurchases(
      [{ at: START + 10 * HOUR }, { at: START + 14 * DAY + 10 * HOUR }, { at: START + 21 * DAY + 10 * HOUR }],
      START + 28 * DAY + 10 * HOUR,
    );
    expect(summary).toMatchObject({ x: 2, tx: 3, T: 4, meanValue: null });
  });

  it('counts several purchases on one UTC calendar day as one', () => {
    const summary = summarizePurchases(
      [
        { at: START + 1 * HOUR },
        { at: START + 23 * HOUR },
        // 00:30 the next UTC day: a new day even though it is 90 minutes later.
        { at: START + DAY + 30 * 60 * 1000 },
        { at: START + DAY + 2 * HOUR },
      ],
      START + 7 * DAY,
    );
    expect(summary?.x).toBe(1);
    // t_x runs from the first instant (01:00) to the last (02:00 next day), not between day boundaries.
    expect(summary?.tx).toBeCloseTo((DAY + 2 * HOUR - HOUR) / MS_PER_WEEK, 12);
  });

  it('is order-independent and ignores purchases after asOf', () => {
    const asOf = START + 10 * DAY;
    const purchases = [{ at: START + 9 * DAY }, { at: START + 20 * DAY }, { at: START }, { at: START + 3 * DAY }];
    const summary = summarizePurchases(purchases, asOf);
    expect(summary).toMatchObject({ x: 2, firstPurchaseAt: START, lastPurchaseAt: START + 9 * DAY });
    expect(summary?.tx).toBeCloseTo(9 / 7, 12);
    expect(summary?.T).toBeCloseTo(10 / 7, 12);
  });

  it('gives the mean spend per purchase day, over the days that carried a value', () => {
    const summary = summarizePurchases(
      [
        { at: START, value: 10 },
        { at: START + HOUR, value: 20 },
        { at: START + 2 * DAY, value: 60 },
        { at: START + 4 * DAY },
        { at: START + 5 * DAY, value: Number.NaN },
      ],
      START + 6 * DAY,
    );
    // Day 0: 30, day 2: 60; days 4 and 5 carried no usable value.
    expect(summary?.meanValue).toBe(45);
    expect(summary?.x).toBe(3);
  });

  it('gives a single purchase x = 0, tx = 0', () => {
    expect(summarizePurchases([{ at: START, value: 12.5 }], START + 2 * MS_PER_WEEK)).toMatchObject({
      x: 0,
      tx: 0,
      T: 2,
      meanValue: 12.5,
    });
  });

  it('answers null when nothing was bought by asOf', () => {
    expect(summarizePurchases([], START)).toBeNull();
    expect(summarizePurchases([{ at: START + DAY }], START)).toBeNull();
  });
});
