/**
 * The profile API (admin key; the guard is applied by the app): read
 * profiles, their timeline and merge history, unmerge and erase. A ref is a
 * profile id or `type:value`, URL-encoded as one path segment.
 */
import type { ProfileView, WarningCode } from '@exhaust/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import { profileChurn } from '../activation/churn/outputs.js';
import { ApiError } from '../errors.js';
import { toProfileRef } from '../identity/profile-ref.js';
import { StoreError } from '../store/errors.js';
import type { ProfileRef, Store } from '../store/store.js';
import type { SubscriptionService } from '../subscriptions/service.js';
import { definitionNotFound } from './definition-writes.js';
import { noQuerySchema, pageQuerySchema, parseQuery } from './query.js';

/** Most profiles a search answers. */
export const MAX_SEARCH_RESULTS = 50;

const searchQuerySchema = z.strictObject({
  q: z.string(),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_RESULTS).default(20),
});

const eraseQuerySchema = z.object({
  suppress: z.enum(['true', 'false']).default('false'),
  /** Contact suppression (its addresses can never be subscribed again) is on unless turned off. */
  suppressContact: z.enum(['true', 'false']).default('true'),
});

/**
 * 404 for a ref that matches nothing. A privileged operation also names the
 * policy's warning code (`merge_not_found`, `unmerge_not_found`,
 * `delete_not_found`) in the issue, so clients can tell which step failed.
 */
export function profileNotFound(ref: string, operation?: { code: WarningCode; path: string }): ApiError {
  const message = `no profile matches ${JSON.stringify(ref)}`;
  return new ApiError(404, 'profile_not_found', message, {
    ...(operation ? { issues: [{ path: [operation.path], message, code: operation.code }] } : {}),
  });
}

/** The ref of the `:ref` path segment (Hono has already URL-decoded it). */
function refParam(raw: string): { ref: ProfileRef; text: string } {
  if (raw === '') throw new ApiError(400, 'identifier_required', 'give a profile id or type:value');
  return { ref: toProfileRef(raw), text: raw };
}

/**
 * @example app.route('/', createProfileRoutes({ store, subscriptions }));
 */
/**
 * A profile stays readable on a store that lacks an area (the PostgreSQL store before
 * activation or subscriptions are ported): that area's part of the view is then empty,
 * while its own routes answer 501.
 */
const whenSupported =
  <T>(empty: T) =>
  (error: unknown): T => {
    if (error instanceof StoreError && error.code === 'not_supported') return empty;
    throw error;
  };

export function createProfileRoutes({
  store,
  subscriptions,
}: {
  store: Store;
  subscriptions: SubscriptionService;
}): Hono {
  const app = new Hono();

  // With `q`: a search (by profile id, type:value, identifier value or trait value, also as a prefix).
  app.get('/v1/profiles', async (c) => {
    if (c.req.query('q') !== undefined) {
      const { q, limit } = parseQuery(searchQuerySchema, c.req.query());
      return c.json({ data: await store.searchProfiles(q, limit), nextCursor: null });
    }
    return c.json(await store.listProfiles(parseQuery(pageQuerySchema, c.req.query())));
  });

  app.get('/v1/profiles/:ref', async (c) => {
    const { ref, text } = refParam(c.req.param('ref'));
    parseQuery(noQuerySchema, c.req.query());
    const at = Date.now();
    const [profile, activation, churnFacts] = await Promise.all([
      store.getProfile(ref),
      store.getProfileActivation(ref).catch(whenSupported(null)),
      store.getProfileChurnFacts(ref, at).catch(whenSupported(null)),
    ]);
    if (!profile) throw profileNotFound(text);
    const view: ProfileView = {
      ...profile,
      computed: activation?.computed ?? {},
      computedAt: activation?.computedAt ?? null,
      audiences: activation?.audiences ?? [],
      // Computed at read time from the current fit: the figures move with time without a job.
      churn:
        churnFacts?.fit?.params && churnFacts.purchases
          ? profileChurn(churnFacts.fit.params, churnFacts.purchases, at)
          : null,
      // Opt-outs belong to addresses: the profile shows those of its email and phone identifiers.
      subscriptions: await subscriptions.ofIdentifiers(profile.identifiers).catch(whenSupported([])),
    };
    return c.json(view);
  });

  app.get('/v1/profiles/:ref/audiences/:key/explain', async (c) => {
    const { ref, text } = refParam(c.req.param('ref'));
    const key = c.req.param('key');
    parseQuery(noQuerySchema, c.req.query());
    const now = Date.now();
    const explained = await store.explainAudience(ref, key, now);
    if (!explained) throw profileNotFound(text);
    if (explained === 'unknown_audience') throw definitionNotFound('audience', key);
    return c.json({
      profileId: explained.profileId,
      audience: key,
      at: new Date(now).toISOString(),
      ...explained.explain,
    });
  });

  app.get('/v1/profiles/:ref/events', async (c) => {
    const { ref, text } = refParam(c.req.param('ref'));
    const query = parseQuery(pageQuerySchema, c.req.query());
    const page = await store.listProfileEvents(ref, query);
    if (!page) throw profileNotFound(text);
    return c.json(page);
  });

  app.get('/v1/profiles/:ref/merges', async (c) => {
    const { ref, text } = refParam(c.req.param('ref'));
    parseQuery(noQuerySchema, c.req.query());
    const merges = await store.listMerges(ref);
    if (!merges) throw profileNotFound(text);
    return c.json({ data: merges });
  });

  app.get('/v1/profiles/:ref/consent', async (c) => {
    const { ref, text } = refParam(c.req.param('ref'));
    const history = await store.listConsentHistory(ref);
    if (!history) throw profileNotFound(text);
    return c.json({ data: history });
  });

  app.post('/v1/profiles/:ref/unmerge', async (c) => {
    const { ref, text } = refParam(c.req.param('ref'));
    const outcome = await store.unmerge(ref);
    if (!outcome) throw profileNotFound(text, { code: 'unmerge_not_found', path: 'ref' });
    if (outcome === 'not_merged') {
      const message = `${JSON.stringify(text)} is not merged into another profile`;
      throw new ApiError(409, 'conflict', message, {
        issues: [{ path: ['ref'], message, code: 'unmerge_not_merged' satisfies WarningCode }],
      });
    }
    return c.json(outcome);
  });

  app.delete('/v1/profiles/:ref', async (c) => {
    const { ref, text } = refParam(c.req.param('ref'));
    const { suppress, suppressContact } = parseQuery(eraseQuerySchema, c.req.query());
    const result = await store.erase(ref, {
      suppress: suppress === 'true',
      suppressContact: suppressContact === 'true',
    });
    if (!result) throw profileNotFound(text, { code: 'delete_not_found', path: 'ref' });
    return c.json(result);
  });

  return app;
}
