/**
 * The subscription API. Senders (admin or sender key): check one address or a
 * send list, report bounces, complaints and unsubscribes. Admin key: set and
 * read an address's state and history, build one-click links, export and
 * import CSV. Guards are applied here, per route, because sender and admin
 * routes share the `/v1/subscriptions` prefix.
 */
import {
  MAX_SUBSCRIPTION_CHECK_ADDRESSES,
  SUBSCRIPTION_CHANNELS,
  SUBSCRIPTION_SOURCES,
  SUBSCRIPTION_STATUSES,
  type SubscriptionChannel,
  type SubscriptionUpdateResult,
} from '@exhaust/schema';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import type { Keyring } from '../auth/keyring.js';
import { ApiError } from '../errors.js';
import { requireAdmin, requireSender } from '../http/admin-guard.js';
import { readJsonBody } from '../http/json-body.js';
import { readBody } from '../http/read-body.js';
import type { Store } from '../store/store.js';
import { CsvImportError, csvLine, EXPORT_COLUMNS } from '../subscriptions/csv.js';
import { type SubscriptionChange, TOPIC_STATUSES } from '../subscriptions/model.js';
import type { SubscriptionService } from '../subscriptions/service.js';
import { topicKeySchema } from '../subscriptions/topics.js';
import { parseQuery } from './query.js';

/** Largest CSV import, in bytes (about 200,000 rows of a typical export). */
export const MAX_IMPORT_BODY_BYTES = 10 * 1024 * 1024;
/** Largest body of a bulk check: 1,000 addresses of up to 255 characters, quoted. */
export const MAX_CHECK_BODY_BYTES = 300 * 1024;
/** Rows read from the store per page while an export streams. */
export const EXPORT_PAGE_ROWS = 1000;
/** Statuses a sender reports. */
const REPORTED_STATUSES = ['bounced', 'complained', 'unsubscribed'] as const;
const CSV_MEDIA_TYPES: ReadonlySet<string> = new Set(['text/csv', 'text/plain', 'application/csv']);

const channelSchema = z.enum(SUBSCRIPTION_CHANNELS);
const isoSchema = z.iso.datetime({ offset: true });

const checkQuerySchema = z.strictObject({
  channel: channelSchema,
  address: z.string().min(1),
  topic: topicKeySchema.optional(),
});
const bulkCheckSchema = z.strictObject({
  channel: channelSchema,
  topic: topicKeySchema.optional(),
  addresses: z.array(z.string()).min(1).max(MAX_SUBSCRIPTION_CHECK_ADDRESSES),
});
const reportSchema = z.strictObject({
  channel: channelSchema,
  address: z.string().min(1),
  status: z.enum(REPORTED_STATUSES),
  /** An unsubscribe from one topic only (a list's unsubscribe link); bounces and complaints are per address. */
  topic: topicKeySchema.optional(),
  at: isoSchema.optional(),
});
const proofSchema = z.strictObject({ ip: z.string().max(64).optional(), text: z.string().max(2000).optional() });
const updateSchema = z
  .strictObject({
    status: z.enum(SUBSCRIPTION_STATUSES).optional(),
    topics: z.record(topicKeySchema, z.enum(TOPIC_STATUSES)).optional(),
    source: z.enum(SUBSCRIPTION_SOURCES),
    at: isoSchema.optional(),
    proof: proofSchema.optional(),
  })
  .refine((body) => body.status !== undefined || Object.keys(body.topics ?? {}).length > 0, 'send status or topics');
const linkSchema = z.strictObject({
  channel: channelSchema,
  address: z.string().min(1),
  topic: topicKeySchema.optional(),
});
const exportQuerySchema = z.strictObject({
  channel: channelSchema.optional(),
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
});

export interface SubscriptionRouteDeps {
  store: Store;
  keyring: Keyring;
  subscriptions: SubscriptionService;
  now: () => Date;
}

/** @example app.route('/', createSubscriptionRoutes({ store, keyring, subscriptions, now })); */
export function createSubscriptionRoutes(deps: SubscriptionRouteDeps): Hono {
  const { store, subscriptions, now } = deps;
  const app = new Hono();
  const sender = requireSender(deps.keyring);
  const admin = requireAdmin(deps.keyring);

  /** The normalized address, or 400 naming where it was. */
  const addressOf = (channel: SubscriptionChannel, raw: string, path: (string | number)[], code = 'invalid_body') => {
    const result = subscriptions.normalize(channel, raw);
    if (result.ok) return result.address;
    throw new ApiError(400, code as 'invalid_body', `${path.join('.')}: ${result.message}`, {
      issues: [{ path, message: result.message }],
    });
  };
  const pathChannel = (raw: string): SubscriptionChannel => {
    const parsed = channelSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    throw new ApiError(
      404,
      'route_not_found',
      `no channel ${JSON.stringify(raw)}; channels: ${SUBSCRIPTION_CHANNELS.join(', ')}`,
    );
  };

  app.get('/v1/subscriptions/check', sender, async (c) => {
    const query = parseQuery(checkQuerySchema, c.req.query());
    const address = addressOf(query.channel, query.address, ['address'], 'invalid_query');
    const [result] = await subscriptions.check(query.channel, [address], query.topic ?? null);
    return c.json(result);
  });

  app.post('/v1/subscriptions/check', sender, async (c) => {
    const body = await readJsonBody(c, bulkCheckSchema, {
      maxBytes: MAX_CHECK_BODY_BYTES,
      hint: `send { "channel", "topic"?, "addresses": [at most ${MAX_SUBSCRIPTION_CHECK_ADDRESSES}] }`,
    });
    const issues: { path: (string | number)[]; message: string }[] = [];
    const addresses = body.addresses.map((raw, i) => {
      const result = subscriptions.normalize(body.channel, raw);
      if (result.ok) return result.address;
      issues.push({ path: ['addresses', i], message: result.message });
      return '';
    });
    if (issues.length > 0) {
      throw new ApiError(400, 'invalid_body', `${issues.length} address(es) cannot be used`, { issues });
    }
    return c.json({ data: await subscriptions.check(body.channel, addresses, body.topic ?? null) });
  });

  app.post('/v1/subscriptions/report', sender, async (c) => {
    const body = await readJsonBody(c, reportSchema, {
      hint: 'send { "channel", "address", "status": "bounced" | "complained" | "unsubscribed", "topic"?, "at"? }',
    });
    const address = addressOf(body.channel, body.address, ['address']);
    if (body.topic !== undefined && body.status !== 'unsubscribed') {
      throw new ApiError(400, 'invalid_body', 'topic: only an unsubscribe can be about one topic', {
        issues: [{ path: ['topic'], message: 'bounces and complaints concern the whole address' }],
      });
    }
    const change: SubscriptionChange = {
      channel: body.channel,
      address,
      topic: body.topic ?? null,
      status: body.status,
      source: 'sender',
      at: new Date(body.at ?? now()).toISOString(),
      proof: null,
    };
    const [outcome] = await subscriptions.apply([change]);
    const result: SubscriptionUpdateResult = {
      state: await subscriptions.state({ channel: body.channel, address }),
      changes: [{ topic: change.topic, status: change.status, ...outcome! }],
    };
    return c.json(result);
  });

  app.post('/v1/subscriptions/links', admin, async (c) => {
    const body = await readJsonBody(c, linkSchema, { hint: 'send { "channel", "address", "topic"? }' });
    const address = addressOf(body.channel, body.address, ['address']);
    return c.json(
      subscriptions.link({ channel: body.channel, address, topic: body.topic ?? null }, new URL(c.req.url).origin),
    );
  });

  app.get('/v1/subscriptions/export', admin, async (c) => {
    const query = parseQuery(exportQuerySchema, c.req.query());
    // The first page is read before answering, so a failing store is a proper error, not a cut stream.
    let page = await store.listSubscriptions({ ...query, limit: EXPORT_PAGE_ROWS });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="subscriptions.csv"');
    return stream(c, async (out) => {
      await out.write(csvLine(EXPORT_COLUMNS));
      for (;;) {
        await out.write(
          page.data
            .map((row) => csvLine([row.channel, row.address, row.topic, row.status, row.since, row.source]))
            .join(''),
        );
        if (!page.nextCursor || out.aborted) return;
        page = await store.listSubscriptions({ ...query, limit: EXPORT_PAGE_ROWS, cursor: page.nextCursor });
      }
    });
  });

  app.post('/v1/subscriptions/import', admin, async (c) => {
    const text = await readBody(
      { headers: (name) => c.req.header(name), stream: c.req.raw.body },
      MAX_IMPORT_BODY_BYTES,
      CSV_MEDIA_TYPES,
    );
    try {
      return c.json(await subscriptions.import(text));
    } catch (error) {
      if (error instanceof CsvImportError) throw new ApiError(400, 'invalid_body', error.message, { cause: error });
      throw error;
    }
  });

  app.put('/v1/subscriptions/:channel/:address', admin, async (c) => {
    const channel = pathChannel(c.req.param('channel'));
    const address = addressOf(channel, c.req.param('address'), ['address'], 'invalid_query');
    const body = await readJsonBody(c, updateSchema, {
      hint: 'send { "status"?, "topics"?: { key: "subscribed" | "unsubscribed" | "none" }, "source", "at"?, "proof"? }',
    });
    const at = new Date(body.at ?? now()).toISOString();
    const base = { channel, address, source: body.source, at };
    const changes: SubscriptionChange[] = [
      ...(body.status ? [{ ...base, topic: null, status: body.status, proof: body.proof ?? null }] : []),
      ...Object.entries(body.topics ?? {}).map(([topic, status]) => ({
        ...base,
        topic,
        status,
        proof: body.proof ?? null,
      })),
    ];
    const outcomes = await subscriptions.apply(changes);
    const result: SubscriptionUpdateResult = {
      state: await subscriptions.state({ channel, address }),
      changes: changes.map((change, i) => ({ topic: change.topic, status: change.status, ...outcomes[i]! })),
    };
    return c.json(result);
  });

  app.get('/v1/subscriptions/:channel/:address', admin, async (c) => {
    const channel = pathChannel(c.req.param('channel'));
    const address = addressOf(channel, c.req.param('address'), ['address'], 'invalid_query');
    const [state, history] = await Promise.all([
      subscriptions.state({ channel, address }),
      store.getSubscriptionHistory({ channel, address }),
    ]);
    return c.json({ ...state, history });
  });

  return app;
}
