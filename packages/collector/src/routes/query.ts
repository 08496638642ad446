/** Query-string validation shared by the admin list routes. */
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

/** Parses a query object, or throws 400 `invalid_query` naming each bad parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.output<T> {
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
