/**
 * `GET /v1/stream` (admin key): newly stored events as server-sent events,
 * for the console's live page. It reads the store by cursor every
 * `STREAM_POLL_INTERVAL_MS` instead of fanning out in memory, so an event
 * stored by any collector sharing the database is seen. Resumes after
 * `Last-Event-ID` (or `?after=`): each event's SSE id is its cursor.
 */
import { MESSAGE_TYPES, type StreamedEvent } from '@exhaust/schema';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import { parseQuery } from './query.js';

/** How often the stream reads the store for new events. */
export const STREAM_POLL_INTERVAL_MS = 250;
/** Most events one read sends; a longer backlog is read again at once. */
export const STREAM_BATCH_EVENTS = 200;
/** A comment line is sent after this long without events, so proxies keep the connection. */
export const STREAM_HEARTBEAT_MS = 15_000;

const streamQuerySchema = z.strictObject({
  type: z.enum(MESSAGE_TYPES).optional(),
  event: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
  after: z.string().min(1).optional(),
});

export interface StreamRouteDeps {
  store: Store;
  /** True once shutdown began: open streams end so the server can close. */
  isShuttingDown: () => boolean;
}

export function createStreamRoutes({ store, isShuttingDown }: StreamRouteDeps): Hono {
  const app = new Hono();
  app.get('/v1/stream', async (c) => {
    const { after, ...filters } = parseQuery(streamQuerySchema, c.req.query());
    const resumeFrom = c.req.header('last-event-id') || after || null;
    // Read once before answering: a bad cursor is a 400, not a broken stream.
    const first = await store.readEventsAfter({ after: resumeFrom, limit: STREAM_BATCH_EVENTS, ...filters });
    const response = streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      const following = () => open && !isShuttingDown();
      const send = async (events: StreamedEvent[]) => {
        for (const event of events) {
          await stream.writeSSE({ id: event.cursor, event: 'event', data: JSON.stringify(event) });
        }
      };
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ cursor: first.cursor }) });
      await send(first.data);
      let cursor = first.cursor;
      let backlog = first.data.length === STREAM_BATCH_EVENTS;
      let quietSince = Date.now();
      try {
        while (following()) {
          if (!backlog) await stream.sleep(STREAM_POLL_INTERVAL_MS);
          if (!following()) break;
          const page = await store.readEventsAfter({ after: cursor, limit: STREAM_BATCH_EVENTS, ...filters });
          await send(page.data);
          cursor = page.cursor;
          backlog = page.data.length === STREAM_BATCH_EVENTS;
          if (page.data.length > 0) quietSince = Date.now();
          else if (Date.now() - quietSince >= STREAM_HEARTBEAT_MS) {
            await stream.write(': keep-alive\n\n');
            quietSince = Date.now();
          }
        }
      } catch (error) {
        // The store closing under an open stream (shutdown) just ends it.
        if (following()) throw error;
      }
    });
    // Set on the answer: streamSSE writes its own Cache-Control and Connection.
    response.headers.set('Cache-Control', 'no-store');
    // NOTE: the connection closes with the stream. Kept alive, it would turn idle when shutdown ends the
    // stream, after the server's one sweep of idle connections, and hold close() for the keep-alive timeout.
    response.headers.set('Connection', 'close');
    return response;
  });
  return app;
}
