/** Webhooks on the PostgreSQL store: the outbox every change writes, endpoints, and the shared delivery queue. */
export {
  claimDeliveries,
  type DisableDecision,
  disableEndpoint,
  listDeliveries,
  nextDeliveryAt,
  recordAttempt,
  replayDeliveries,
  retryDelivery,
} from './deliveries.js';
export {
  createWebhook,
  deleteWebhook,
  enqueueWebhook,
  getWebhook,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from './endpoints.js';
export { createPgWebhooks, type PgOutbox, type PgSubscriptionChange, type PgWebhooks } from './outbox.js';
export { WEBHOOKS_MIGRATION_SQL } from './schema.js';
