/**
 * One error shape for every 4xx/5xx answer: `{ error: { code, message, issues? } }`.
 * Routes and services throw `ApiError`; `renderError` (the app's onError) is
 * the only place that turns a failure into a response.
 */
import type { ApiErrorBody, ApiErrorCode, ApiIssue } from '@exhaust/schema';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { StoreError } from './store/errors.js';

/**
 * `Retry-After` of a 503 `store_unavailable`, in seconds: a full disk or failing
 * volume waits for an operator, so SDKs should not hammer it (they back off
 * further on their own).
 */
export const STORE_UNAVAILABLE_RETRY_AFTER_S = 10;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly issues: ApiIssue[] | undefined;
  /** More fields of `error`, for the few answers that say more than code and message (e.g. an event's fate). */
  readonly fields: Record<string, unknown>;
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    options: {
      issues?: ApiIssue[];
      cause?: unknown;
      headers?: Record<string, string>;
      fields?: Record<string, unknown>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.issues = options.issues;
    this.headers = options.headers ?? {};
    this.fields = options.fields ?? {};
  }
  readonly headers: Record<string, string>;
}

export function errorBody(code: ApiErrorCode, message: string, issues?: ApiIssue[]): ApiErrorBody {
  return { error: { code, message, ...(issues?.length ? { issues } : {}) } };
}

/** Maps store failures that callers can cause to API errors; anything else is a 500. */
function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) {
    if (error.code === 'invalid_cursor') {
      return new ApiError(400, 'invalid_query', error.message, {
        issues: [{ path: ['cursor'], message: error.message }],
      });
    }
    // Not a failure to retry: this store lacks the feature (the message names it).
    if (error.code === 'not_supported') {
      return new ApiError(501, 'not_supported_by_store', error.message, { cause: error });
    }
    // Both mean "try again later": closed during shutdown, or the store cannot write (disk full,
    // I/O error, the database worker failed). The cause is logged, not sent.
    return error.code === 'store_closed'
      ? new ApiError(503, 'shutting_down', 'the collector is shutting down', { cause: error })
      : new ApiError(503, 'store_unavailable', 'the store cannot write now; retry later', {
          cause: error,
          headers: { 'Retry-After': String(STORE_UNAVAILABLE_RETRY_AFTER_S) },
        });
  }
  return new ApiError(500, 'internal_error', 'internal error', { cause: error });
}

/** The app's `onError`. Logs 5xx with their cause; never leaks internals to the client. */
export function createErrorRenderer(log: (error: ApiError) => void) {
  return (error: unknown, c: Context): Response => {
    const apiError = toApiError(error);
    // 501 is a known gap of the configured store, not a fault to investigate.
    if (apiError.status >= 500 && apiError.status !== 501) log(apiError);
    for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
    const body = errorBody(apiError.code, apiError.message, apiError.issues);
    return c.json({ error: { ...body.error, ...apiError.fields } }, apiError.status);
  };
}

export function renderNotFound(c: Context): Response {
  return c.json(errorBody('route_not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
}
