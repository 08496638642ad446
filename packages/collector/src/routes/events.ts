/** Admin read API over stored events (the admin guard is applied by the app). */
import { isoDateTimeSchema, MESSAGE_TYPES } from '@exhaust/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Store } from '../store/store.js';
import { pageQueryShape, parseQuery } from './query.js';

const toUtc = (iso: string) => new Date(iso).toISOString();

const eventQuerySchema = z.object({
  ...pageQueryShape,
  type: z.enum(MESSAGE_TYPES).optional(),
  event: z.string().min(1).optional(),
  since: isoDateTimeSchema.transform(toUtc).optional(),
  until: isoDateTimeSchema.transform(toUtc).optional(),
});

export function createEventRoutes({ store }: { store: Store }): Hono {
  const app = new Hono();
  app.get('/v1/events', async (c) => {
    const query = parseQuery(eventQuerySchema, c.req.query());
    return c.json(await store.listEvents(query));
  });
  app.get('/v1/events/:messageId', async (c) => {
    const messageId = c.req.param('messageId');
    const event = await store.getEvent(messageId);
    if (!event) throw new ApiError(404, 'event_not_found', `no stored event has messageId ${messageId}`);
    return c.json(event);
  });
  return app;
}
