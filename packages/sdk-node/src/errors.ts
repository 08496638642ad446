import { HttpStatusError } from '@exhaust/core';
import type { ApiErrorCode, RejectionCode } from '@exhaust/schema';

/** Why a call was refused before it reached the queue. */
export type CallErrorCode = Extract<RejectionCode, 'missing_identity' | 'invalid_field'> | 'call_after_shutdown';

/**
 * A `track()`/`identify()`/... call the client refused. Never thrown: it is
 * reported through `on('error')`, and the call returns null.
 */
export class CallError extends Error {
  declare readonly code: CallErrorCode;
  /** The offending field (`userId`, `event`, ...), when one is to blame. */
  declare readonly field: string | null;
  constructor(code: CallErrorCode, message: string, field: string | null = null) {
    super(message);
    this.name = 'CallError';
    this.code = code;
    this.field = field;
  }
}

/**
 * A non-2xx answer of the collector, as the Node transport reports it: the core's `HttpStatusError`
 * (so the queue classifies and retries it the same way) plus `apiCode`, the error body's code when it had one.
 */
export class CollectorStatusError extends HttpStatusError {
  declare readonly apiCode: ApiErrorCode | null;
  constructor(status: number, retryAfterMs: number | null, apiCode: ApiErrorCode | null = null) {
    super(status, retryAfterMs);
    this.apiCode = apiCode;
  }
}
