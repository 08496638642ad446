/** Query-string validation shared by the admin routes. */
import { z } from 'zod';
import { ApiError } from '../errors.js';

/** Page size when the client gives none. */
export const DEFAULT_PAGE_LIMIT = 50;
/** Largest page a client may ask for. */
export const MAX_PAGE_LIMIT = 1000;

export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  cursor: z.string().min(1).optional(),
};

export const pageQuerySchema = z.object(pageQueryShape);

/** For routes that take no query parameter: any one given is refused. */
export const noQuerySchema = z.object({});

/**
 * Parses a query object, or throws 400 `invalid_query` naming each bad
 * parameter. Strict: a parameter the schema does not name is refused, so a
 * typo (`?evnet=`) cannot silently widen a read to everything.
 */
export function parseQuery<T extends z.ZodObject>(schema: T, query: Record<string, string>): z.output<T> {
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(query).filter((key) => !Object.hasOwn(schema.shape, key));
  if (unknown.length > 0) {
    const takes = known.length ? `this route takes ${known.join(', ')}` : 'this route takes no query parameters';
    throw new ApiError(
      400,
      'invalid_query',
      `unknown query parameter ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      {
        issues: unknown.map((key) => ({
          path: [key],
          message: `unknown query parameter; ${takes}`,
          code: 'unrecognized_keys',
        })),
      },
    );
  }
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  throw new ApiError(400, 'invalid_query', 'invalid query parameters', {
    issues: result.error.issues.map((issue) => ({
      path: issue.path as (string | number)[],
      message: issue.message,
      code: issue.code,
    })),
  });
}
