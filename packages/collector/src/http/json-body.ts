/**
 * The JSON body of an admin request, read within a limit and validated: bad
 * JSON is 400 `invalid_json`, a body the schema refuses is 400 `invalid_body`
 * whose message and issues name each bad field by its path.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from '../errors.js';
import { readBody } from './read-body.js';

/** Largest body of an admin request: its fields fit in far less. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;

export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: { maxBytes?: number; hint: string },
): Promise<z.output<S>> {
  const text = await readBody(
    { headers: (name) => c.req.header(name), stream: c.req.raw.body },
    options.maxBytes ?? MAX_ADMIN_BODY_BYTES,
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path as (string | number)[],
      message: issue.message,
      code: issue.code,
    }));
    const named = issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
    throw new ApiError(400, 'invalid_body', `${named} (${options.hint})`, { issues });
  }
  return parsed.data;
}
