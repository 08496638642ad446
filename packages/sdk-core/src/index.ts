/**
 * @exhaust/core: the runtime-free heart of the Exhaust SDKs. No DOM, no Node
 * APIs: storage, transport, locks and timers are ports that `@exhaust/browser`
 * and `@exhaust/node` supply. Start from `createTracker`.
 */

export type { AttemptLimit } from './attempt-limit.js';
export { createAttemptLimit } from './attempt-limit.js';
export type { BackoffOptions } from './backoff.js';
export {
  backoffDelayMs,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  RETRY_BASE_DELAY_MS,
  RETRY_MAX_DELAY_MS,
} from './backoff.js';
export type { StatusClass } from './classify-status.js';
export { classifyStatus } from './classify-status.js';
export type { ConsentGate, ConsentOptions } from './consent.js';
export { CONSENT_CATEGORIES, createConsentGate, DEFAULT_CATEGORY, MAX_PENDING_EVENTS } from './consent.js';
export type { Emitter } from './emitter.js';
export { createEmitter } from './emitter.js';
export type { SdkErrorCode } from './errors.js';
export { ConfigError, HttpStatusError, NetworkError, SdkError } from './errors.js';
export { createId } from './id.js';
export type { Identity, IdentityOptions, IdentityState, IdentityStore } from './identity.js';
export { createIdentity } from './identity.js';
export type { BuildOptions } from './message.js';
export { buildMessage } from './message.js';
export type { CaptureMeta, Plugin, PluginPipeline } from './plugins.js';
export { createPipeline } from './plugins.js';
export type { EventStorage, Lock, Logger, QueuedEvent, Scheduler, SendOptions, Transport } from './ports.js';
export { createLocalLock, defaultScheduler, silentLogger } from './ports.js';
export type { DropReason, Queue, QueueOptions } from './queue.js';
export {
  BATCH_MAX_EVENTS,
  createQueue,
  ENVELOPE_RESERVE_BYTES,
  FLUSH_AT_EVENTS,
  FLUSH_INTERVAL_MS,
  FLUSH_MAX_WAIT_MS,
  FLUSH_RETRIES,
  MAX_EVENT_AGE_MS,
  MAX_IN_FLIGHT_BATCHES,
  MAX_QUEUE_EVENTS,
  WRITE_BATCH_EVENTS,
} from './queue.js';
export type { Session, SessionState } from './session.js';
export { createSession, SESSION_TIMEOUT_MS } from './session.js';
export { createMemoryStorage, withStorageFallback } from './storage.js';
export type { CaptureOptions, Tracker, TrackerOptions } from './tracker.js';
export { createTracker } from './tracker.js';
export { utf8Length } from './utf8.js';
