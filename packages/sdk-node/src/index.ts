/**
 * @exhaust/node: the Exhaust SDK for servers. Batched, retried with jittered
 * backoff, optionally buffered on local disk so an outage or a crash loses
 * nothing. A thin adapter over `@exhaust/core`.
 *
 * @example
 * import { createClient } from '@exhaust/node';
 * const exhaust = createClient({ writeKey: 'wk_123', host: 'http://localhost:8787', buffer: { dir: './exhaust-buffer' } });
 * exhaust.track({ userId: 'u-42', event: 'Order Completed', properties: { total: 99.5 } });
 * await exhaust.flush();
 */

export type { DropReason, Plugin } from '@exhaust/core';
export { ConfigError, HttpStatusError, NetworkError, SdkError } from '@exhaust/core';
export type {
  AliasParams,
  CallFields,
  GroupParams,
  IdentifyParams,
  PageParams,
  ScreenParams,
  TrackParams,
} from './calls.js';
export type { NodeClient, NodeClientEvents } from './client.js';
export { createClient } from './client.js';
export type { DiskBuffer, DiskBufferOptions, DiskBufferStats } from './disk-buffer.js';
export { BUFFER_MAX_BYTES, COMPACT_MIN_BYTES, createDiskBuffer } from './disk-buffer.js';
export type { CallErrorCode } from './errors.js';
export { CallError, CollectorStatusError } from './errors.js';
export type { BufferOptions, NodeClientOptions } from './options.js';
export {
  NODE_BATCH_MAX_EVENTS,
  NODE_FLUSH_AT_EVENTS,
  NODE_FLUSH_INTERVAL_MS,
  NODE_MAX_IN_FLIGHT_BATCHES,
  NODE_MAX_QUEUE_EVENTS,
} from './options.js';
export type { NodeTransportOptions } from './transport.js';
export { createNodeTransport, REQUEST_TIMEOUT_MS } from './transport.js';
export { LIBRARY } from './version.js';
