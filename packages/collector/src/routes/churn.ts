/**
 * The churn model API (admin key): fit on the store's purchase history now,
 * read the current fit and the fits kept before it.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { ChurnService } from '../churn/service.js';
import { ApiError } from '../errors.js';
import { readJsonBody } from '../http/json-body.js';
import type { Store } from '../store/store.js';
import { parseQuery } from './query.js';

/** Most fits `GET /v1/models/churn/fits` answers. */
export const MAX_CHURN_FITS_LISTED = 100;

const fitBodySchema = z.strictObject({
  asOf: z.iso.datetime({ offset: true }).optional(),
  event: z.string().min(1).max(200).optional(),
  valueProperty: z.string().min(1).max(200).optional(),
});

const fitsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_CHURN_FITS_LISTED).default(20),
});

/**
 * @example app.route('/', createChurnRoutes({ store, churn }));
 */
export function createChurnRoutes({ store, churn }: { store: Store; churn: ChurnService }): Hono {
  const app = new Hono();

  app.post('/v1/models/churn/fit', async (c) => {
    const body = await readJsonBody(c, fitBodySchema, {
      hint: 'send { "asOf"?: ISO instant, "event"?: name, "valueProperty"?: name }',
    });
    const fit = await churn.fit({
      ...(body.asOf !== undefined && { asOf: Date.parse(body.asOf) }),
      ...(body.event !== undefined && { event: body.event }),
      ...(body.valueProperty !== undefined && { valueProperty: body.valueProperty }),
    });
    return c.json(fit, 201);
  });

  app.get('/v1/models/churn', async (c) => {
    const fit = await store.getChurnFit();
    if (!fit) throw new ApiError(404, 'churn_model_not_found', 'the churn model was never fitted');
    return c.json(fit);
  });

  app.get('/v1/models/churn/fits', async (c) => {
    const { limit } = parseQuery(fitsQuerySchema, c.req.query());
    return c.json({ data: await store.listChurnFits(limit), nextCursor: null });
  });

  return app;
}
