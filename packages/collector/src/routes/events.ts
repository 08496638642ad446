/** Admin read API over stored events (the admin guard is applied by the app). */
import { type EventNotFoundBody, isoDateTimeSchema, MESSAGE_TYPES } from '@exhaust/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { MessageTrace, Store } from '../store/store.js';
import { pageQueryShape, parseQuery } from './query.js';

const toUtc = (iso: string) => new Date(iso).toISOString();

const eventQuerySchema = z.object({
  ...pageQueryShape,
  type: z.enum(MESSAGE_TYPES).optional(),
  event: z.string().min(1).optional(),
  since: isoDateTimeSchema.transform(toUtc).optional(),
  until: isoDateTimeSchema.transform(toUtc).optional(),
});

type Fate = EventNotFoundBody['error']['fate'];

/** What became of a message that is not stored, from what the store recorded about it. */
export function fateOf(trace: MessageTrace): { fate: Fate; message: string } {
  const codes = new Set(trace.decisions.map((d) => d.code));
  if (codes.has('suppressed')) {
    return { fate: 'suppressed', message: 'dropped: it carried an identifier erased with suppress=true' };
  }
  if (trace.seen && codes.has('duplicate_message_id')) {
    return { fate: 'duplicate', message: 'a duplicate of a message stored earlier and erased since' };
  }
  if (trace.seen) return { fate: 'erased', message: 'stored once, erased since' };
  if (trace.rejections.length > 0) return { fate: 'rejected', message: 'rejected by validation' };
  return { fate: 'unknown', message: 'never received, or its record is gone' };
}

export function createEventRoutes({ store }: { store: Store }): Hono {
  const app = new Hono();
  app.get('/v1/events', async (c) => {
    const query = parseQuery(eventQuerySchema, c.req.query());
    return c.json(await store.listEvents(query));
  });
  app.get('/v1/events/:messageId', async (c) => {
    const messageId = c.req.param('messageId');
    const trace = await store.traceMessage(messageId);
    if (trace.event) return c.json(trace.event);
    const { fate, message } = fateOf(trace);
    throw new ApiError(404, 'event_not_found', `no stored event has messageId ${messageId}: ${message}`, {
      fields: { fate, warnings: trace.decisions, rejections: trace.rejections },
    });
  });
  return app;
}
