import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../config/config-schema.js';

describe('config churn', () => {
  it('defaults to Order Completed, 200 purchasers, a daily refit and bands 0.3 and 0.5', () => {
    expect(parseConfigFile({}).churn).toEqual({
      event: 'Order Completed',
      valueProperty: null,
      minPurchasers: 200,
      refitEveryMs: 86_400_000,
      bands: [0.3, 0.5],
    });
  });

  it.each([
    [{ refitEvery: 'daily' }, /churn\.refitEvery: a duration/],
    [{ bands: [0.5, 0.3] }, /churn\.bands: boundaries must ascend/],
    [{ bands: [0, 0.5] }, /churn\.bands\.0: a band boundary is above 0/],
    [{ minPurchasers: 0 }, /churn\.minPurchasers/],
    [{ event: '' }, /churn\.event/],
    [{ horizon: 3 }, /churn: Unrecognized key/],
  ])('refuses %j naming the field', (churn, message) => {
    expect(() => parseConfigFile({ churn })).toThrow(message);
  });
});
