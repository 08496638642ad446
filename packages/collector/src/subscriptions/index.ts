/**
 * Subscriptions and suppression per channel and address, with one-click
 * unsubscribe (issue 11): the pure rules (precedence, conflicts, Segment's
 * shape, tokens, CSV) and the service the routes call.
 */
export { maskAddress, normalizeAddress } from './address.js';
export { decideChange } from './conflict.js';
export { csvLine, parseImportCsv } from './csv.js';
export { ADDRESS_KIND, type SubscriptionChange, TOPIC_STATUSES } from './model.js';
export { type CheckFacts, decideCheck, type TopicMode } from './precedence.js';
export { subscriptionChangesOf } from './segment.js';
export { createSubscriptionService, type SubscriptionService } from './service.js';
export { loadSigningKeys, rotateSigningKey, SIGNING_KEYS_FILE, type SigningKeys } from './signing-keys.js';
export { encodeUnsubscribeToken, type SigningKey, type UnsubscribeTarget, verifyUnsubscribeToken } from './token.js';
export { type SubscriptionsConfig, topicModeOf } from './topics.js';
