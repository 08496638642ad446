/**
 * `/v1/webhooks` (admin key; the guard is applied by the app): endpoints that
 * receive signed Standard Webhooks, their secrets (shown once), deliveries
 * with every attempt, and repair (retry one, replay failed ones by range).
 */
import { randomBytes } from 'node:crypto';
import {
  SUBSCRIPTION_CHANNELS,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpointCreated,
} from '@exhaust/schema';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { readBody } from '../http/read-body.js';
import type { Store } from '../store/store.js';
import { urlProblem } from '../webhooks/address-guard.js';
import { newSecret } from '../webhooks/sign.js';
import { pageQueryShape, parseQuery } from './query.js';

/** Largest endpoint create/patch or replay body. */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;
/** How long the previous secrets keep signing after a rotation. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3_600_000;
/** Longest endpoint URL. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** Most entries of one filter list. */
export const MAX_FILTER_ENTRIES = 100;

export interface WebhookRoutesDeps {
  store: Store;
  /** Config `webhooks.allowHttp`: accept http:// URLs. */
  allowHttp: boolean;
  /** Epoch ms; default Date.now. */
  now?: () => number;
}

const filterList = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(MAX_FILTER_ENTRIES).optional();
const filterSchema = z.strictObject({
  events: filterList(z.string().min(1).max(255)),
  types: filterList(z.enum(['track', 'identify', 'page', 'screen', 'group', 'alias'])),
  audiences: filterList(z.string().min(1).max(255)),
  traits: filterList(z.string().min(1).max(255)),
  channels: filterList(z.enum(SUBSCRIPTION_CHANNELS)),
});
const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1, 'subscribe to at least one event type')
  .refine((events) => new Set(events).size === events.length, 'each event type once');

const endpointFields = {
  url: z.string().max(MAX_WEBHOOK_URL_LENGTH),
  events: eventsSchema,
  filter: filterSchema.nullable(),
  description: z.string().max(1000).nullable(),
  enabled: z.boolean(),
};
const createSchema = z.strictObject({
  ...endpointFields,
  filter: endpointFields.filter.optional(),
  description: endpointFields.description.optional(),
  enabled: endpointFields.enabled.optional(),
});
const patchSchema = z.strictObject(endpointFields).partial();
const replaySchema = z.strictObject({
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }).optional(),
});
const deliveriesQuerySchema = z.object({ ...pageQueryShape, status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional() });

async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const text = await readBody(
    { headers: (name) => c.req.header(name), stream: c.req.raw.body },
    MAX_WEBHOOK_BODY_BYTES,
  );
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', { cause: error });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path as (string | number)[],
    message: issue.message,
    code: issue.code,
  }));
  throw new ApiError(400, 'invalid_body', `invalid ${issues.map((i) => i.path.join('.') || '(body)').join(', ')}`, {
    issues,
  });
}

function checkUrl(url: string | undefined, allowHttp: boolean): void {
  if (url === undefined) return;
  const problem = urlProblem(url, { allowHttp });
  if (problem)
    throw new ApiError(400, 'invalid_body', `url ${problem}`, { issues: [{ path: ['url'], message: problem }] });
}

const notFound = (id: string) => new ApiError(404, 'webhook_not_found', `no webhook endpoint ${id}`);

/**
 * @example app.route('/', createWebhookRoutes({ store, allowHttp: false }));
 */
export function createWebhookRoutes({ store, allowHttp, now = Date.now }: WebhookRoutesDeps): Hono {
  const app = new Hono();

  app.post('/v1/webhooks', async (c) => {
    const input = await readJson(c, createSchema);
    checkUrl(input.url, allowHttp);
    const secret = newSecret();
    const endpoint = await store.createWebhook({
      id: `ep_${randomBytes(12).toString('base64url')}`,
      url: input.url,
      events: input.events,
      filter: input.filter ?? null,
      description: input.description ?? null,
      enabled: input.enabled ?? true,
      secret,
      now: now(),
    });
    return c.json({ ...endpoint, secret } satisfies WebhookEndpointCreated, 201);
  });

  app.get('/v1/webhooks', async (c) => c.json({ data: await store.listWebhooks() }));

  app.get('/v1/webhooks/:id', async (c) => {
    const endpoint = await store.getWebhook(c.req.param('id'));
    if (!endpoint) throw notFound(c.req.param('id'));
    return c.json(endpoint);
  });

  app.patch('/v1/webhooks/:id', async (c) => {
    const patch = await readJson(c, patchSchema);
    checkUrl(patch.url, allowHttp);
    const endpoint = await store.updateWebhook(c.req.param('id'), patch, now());
    if (!endpoint) throw notFound(c.req.param('id'));
    return c.json(endpoint);
  });

  app.delete('/v1/webhooks/:id', async (c) => {
    if (!(await store.deleteWebhook(c.req.param('id')))) throw notFound(c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/v1/webhooks/:id/rotate-secret', async (c) => {
    const secret = newSecret();
    const rotated = await store.rotateWebhookSecret({
      id: c.req.param('id'),
      secret,
      now: now(),
      overlapMs: SECRET_ROTATION_OVERLAP_MS,
    });
    if (!rotated) throw notFound(c.req.param('id'));
    return c.json({ secret });
  });

  app.post('/v1/webhooks/:id/test', async (c) => {
    const id = c.req.param('id');
    const deliveryId = await store.enqueueWebhook({
      endpointId: id,
      type: 'webhook.test',
      data: { endpointId: id, message: 'a test event from Exhaust' },
      now: now(),
    });
    if (!deliveryId) throw notFound(id);
    return c.json({ id: deliveryId }, 202);
  });

  app.get('/v1/webhooks/:id/deliveries', async (c) => {
    const page = await store.listDeliveries(c.req.param('id'), parseQuery(deliveriesQuerySchema, c.req.query()));
    if (!page) throw notFound(c.req.param('id'));
    return c.json(page);
  });

  app.post('/v1/webhooks/:id/deliveries/:deliveryId/retry', async (c) => {
    const { id, deliveryId } = c.req.param();
    if (!(await store.retryDelivery({ endpointId: id, deliveryId, now: now() }))) {
      if (!(await store.getWebhook(id))) throw notFound(id);
      throw new ApiError(404, 'delivery_not_found', `no delivery ${deliveryId} for endpoint ${id}`);
    }
    return c.json({ id: deliveryId }, 202);
  });

  app.post('/v1/webhooks/:id/replay', async (c) => {
    const range = await readJson(c, replaySchema);
    const at = now();
    const since = Date.parse(range.since);
    // Until defaults to "now" inclusive: everything created so far.
    const until = range.until === undefined ? at + 1 : Date.parse(range.until);
    if (until <= since) {
      throw new ApiError(400, 'invalid_body', 'until must be after since', {
        issues: [{ path: ['until'], message: 'must be after since' }],
      });
    }
    const requeued = await store.replayDeliveries({ endpointId: c.req.param('id'), since, until, now: at });
    if (requeued === null) throw notFound(c.req.param('id'));
    return c.json({ requeued }, 202);
  });

  return app;
}
