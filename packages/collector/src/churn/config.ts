/**
 * The config file's `churn` block: which event is a purchase, what it is
 * worth, how many purchasers a fit needs, how often the model is refitted,
 * and the P(alive) bands whose crossings `churn.risk_changed` announces.
 */
import { z } from 'zod';
import { parseDuration } from '../activation/durations.js';

/** Default purchasers below which the model reports `insufficient_data` rather than fitting noise. */
export const DEFAULT_MIN_PURCHASERS = 200;
/** Default refit interval. */
export const DEFAULT_REFIT_EVERY = '1d';
/** Default P(alive) band boundaries. */
export const DEFAULT_CHURN_BANDS = [0.3, 0.5] as const;

export interface ChurnConfig {
  event: string;
  /** Null: the first of `revenue`, `total`, `value` that is a number. */
  valueProperty: string | null;
  minPurchasers: number;
  refitEveryMs: number;
  /** Ascending, each in (0, 1). */
  bands: number[];
}

export const churnConfigSchema = z
  .strictObject({
    event: z.string().min(1).default('Order Completed'),
    valueProperty: z.string().min(1).nullable().default(null),
    minPurchasers: z.number().int().positive().default(DEFAULT_MIN_PURCHASERS),
    refitEvery: z
      .string()
      .refine((text) => parseDuration(text) !== null, 'a duration such as "1d", "12h", "30m"')
      .default(DEFAULT_REFIT_EVERY),
    bands: z
      .array(z.number().gt(0, 'a band boundary is above 0').lt(1, 'a band boundary is below 1'))
      .max(10)
      .refine((bands) => bands.every((b, i) => i === 0 || b > (bands[i - 1] ?? 0)), 'boundaries must ascend')
      .default([...DEFAULT_CHURN_BANDS]),
  })
  .transform(
    ({ refitEvery, ...rest }): ChurnConfig => ({ ...rest, refitEveryMs: parseDuration(refitEvery) as number }),
  );

export const DEFAULT_CHURN_CONFIG: ChurnConfig = churnConfigSchema.parse({});
