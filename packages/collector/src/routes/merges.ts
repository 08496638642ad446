/**
 * `POST /v1/merges {from, into}`: the forced merge of two known people (admin
 * key; the guard is applied by the app). `into` survives; limits are bypassed.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { readJsonBody } from '../http/json-body.js';
import { toProfileRef } from '../identity/profile-ref.js';
import type { Store } from '../store/store.js';
import { profileNotFound } from './profiles.js';

/** Largest body of an admin merge request: two refs fit in far less. */
export const MAX_MERGE_BODY_BYTES = 16 * 1024;

const refSchema = z.string().min(1).max(1024);
const mergeBodySchema = z.strictObject({ from: refSchema, into: refSchema });

/**
 * @example app.route('/', createMergeRoutes({ store }));
 */
export function createMergeRoutes({ store }: { store: Store }): Hono {
  const app = new Hono();
  app.post('/v1/merges', async (c) => {
    const { from, into } = await readJsonBody(c, mergeBodySchema, {
      maxBytes: MAX_MERGE_BODY_BYTES,
      hint: 'send { "from": ref, "into": ref }',
    });
    const outcome = await store.merge(toProfileRef(from), toProfileRef(into));
    if (!outcome) {
      const fromExists = (await store.getProfile(toProfileRef(from))) !== null;
      throw profileNotFound(fromExists ? into : from, { code: 'merge_not_found', path: fromExists ? 'into' : 'from' });
    }
    return c.json(outcome);
  });
  return app;
}
