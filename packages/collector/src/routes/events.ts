/** Admin read API over stored events (the admin guard is applied by the app). */
import { type ApiIssue, type EventNotFoundBody, isoDateTimeSchema, MESSAGE_TYPES } from '@exhaust/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { toProfileRef } from '../identity/profile-ref.js';
import type { MessageTrace, PropertyValue, Store } from '../store/store.js';
import { noQuerySchema, pageQueryShape, parseQuery } from './query.js';

/** Most `properties.*` equality filters one request may give. */
export const MAX_PROPERTY_FILTERS = 5;
const PROPERTY_PREFIX = 'properties.';

const toUtc = (iso: string) => new Date(iso).toISOString();
const nonEmpty = z.string().min(1);

const eventQuerySchema = z.object({
  ...pageQueryShape,
  type: z.enum(MESSAGE_TYPES).optional(),
  event: nonEmpty.optional(),
  since: isoDateTimeSchema.transform(toUtc).optional(),
  until: isoDateTimeSchema.transform(toUtc).optional(),
  profile: nonEmpty.transform(toProfileRef).optional(),
  userId: nonEmpty.optional(),
  anonymousId: nonEmpty.optional(),
  source: nonEmpty.optional(),
});

/**
 * A property filter's value: a JSON literal when it parses as a scalar
 * (`12`, `true`, `null`, `"12"`), else the text as sent (`pro`).
 */
export function propertyValue(text: string): PropertyValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  return parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed)
    ? (parsed as PropertyValue)
    : undefined;
}

/** Splits `properties.<path>=<value>` parameters off the others, refusing malformed ones. */
function splitPropertyFilters(query: Record<string, string>): {
  rest: Record<string, string>;
  properties: Record<string, PropertyValue>;
} {
  const rest: Record<string, string> = {};
  const properties: Record<string, PropertyValue> = {};
  const issues: ApiIssue[] = [];
  for (const [key, text] of Object.entries(query)) {
    if (!key.startsWith(PROPERTY_PREFIX)) {
      rest[key] = text;
      continue;
    }
    const path = key.slice(PROPERTY_PREFIX.length);
    // Segments go into a quoted JSON path: an empty one, '"' or '\' cannot be addressed.
    if (path.split('.').some((segment) => segment === '' || /["\\]/.test(segment))) {
      issues.push({ path: [key], message: 'give properties.<name>[.<name>...]; names without ", \\ or empty parts' });
      continue;
    }
    const value = propertyValue(text);
    if (value === undefined) {
      issues.push({ path: [key], message: 'compare with a string, a number, true, false or null' });
      continue;
    }
    Object.defineProperty(properties, path, { value, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(properties).length > MAX_PROPERTY_FILTERS) {
    issues.push({ path: ['properties'], message: `at most ${MAX_PROPERTY_FILTERS} property filters` });
  }
  if (issues.length > 0) throw new ApiError(400, 'invalid_query', 'invalid property filter', { issues });
  return { rest, properties };
}

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
    const { rest, properties } = splitPropertyFilters(c.req.query());
    const query = parseQuery(eventQuerySchema, rest);
    return c.json(await store.listEvents(Object.keys(properties).length ? { ...query, properties } : query));
  });
  app.get('/v1/events/:messageId', async (c) => {
    parseQuery(noQuerySchema, c.req.query());
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
