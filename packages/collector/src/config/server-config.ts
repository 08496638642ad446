/**
 * The `server` block of the config file: how long the HTTP server waits for a
 * client, so that one trickling bytes cannot hold a connection for minutes
 * (Node's own defaults: 60 s for headers, 300 s for a whole request).
 */
import { z } from 'zod';

/** Longest a client may take to send a request's headers, from its first byte. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Longest a client may take to send a whole request, headers and body. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long an idle keep-alive connection stays open for the client's next request. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * Longest pause between two checks for expired header and request timers (Node
 * checks on an interval, 30 s by default, so a 10 s timeout could fire at 40 s).
 */
export const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

const positiveMs = z.number().int().positive();

export const serverConfigSchema = z
  .strictObject({
    headersTimeoutMs: positiveMs.default(DEFAULT_HEADERS_TIMEOUT_MS),
    requestTimeoutMs: positiveMs.default(DEFAULT_REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: positiveMs.default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
    /** Open connections at most; further ones are closed at once. Default: no limit. */
    maxConnections: z.number().int().positive().optional(),
  })
  .superRefine((server, ctx) => {
    // Node refuses the opposite: the headers are part of the request.
    if (server.headersTimeoutMs > server.requestTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['headersTimeoutMs'],
        message: `must not exceed requestTimeoutMs (${server.requestTimeoutMs})`,
      });
    }
  });

export type ServerConfig = z.output<typeof serverConfigSchema>;

/** How often Node should look for expired timers: often enough for the shortest timeout configured. */
export function timeoutCheckIntervalMs(server: ServerConfig): number {
  return Math.min(MAX_TIMEOUT_CHECK_INTERVAL_MS, server.headersTimeoutMs, server.requestTimeoutMs);
}
