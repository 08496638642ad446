/**
 * Typed SDK errors. Callers decide on `code` (and `status`), never on the
 * message text. Only construction errors are ever thrown at the host app.
 */
/** Codes of the errors the SDK reports through its logger and `error` listeners. */
export type SdkErrorCode = 'network_error' | 'http_status' | 'invalid_config' | 'storage_failed' | 'plugin_failed';

/** Base of every SDK error: an `Error` with a machine-readable `code`. */
export class SdkError extends Error {
  // NOTE: `declare` fields, assigned in the constructor: no class-field helper in the script-tag bundle.
  declare readonly code: SdkErrorCode;
  constructor(code: SdkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The request never got an HTTP answer (offline, DNS, CORS, connection reset). Always retried. */
export class NetworkError extends SdkError {
  constructor(message = 'network error', options?: { cause?: unknown }) {
    super('network_error', message, options);
  }
}

/**
 * The collector answered with a non-2xx status. `retryAfterMs` is the parsed
 * `Retry-After` header (null when absent). A runtime that reads error bodies
 * subclasses it (Node's `CollectorStatusError` adds `apiCode`), so the script
 * tag does not carry what it never reads.
 */
export class HttpStatusError extends SdkError {
  declare readonly status: number;
  declare readonly retryAfterMs: number | null;
  constructor(status: number, retryAfterMs: number | null = null) {
    super('http_status', `HTTP ${status}`);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Bad options passed to a factory. The one error the SDK throws, at construction. */
export class ConfigError extends SdkError {
  constructor(message: string) {
    super('invalid_config', message);
  }
}
