/**
 * @exhaust/schema: the wire contract between Exhaust's SDKs and its collector.
 * SDKs import types only (`import type`) and constants from
 * `@exhaust/schema/constants`, so zod never reaches a browser bundle.
 */

export type {
  AudienceCondition,
  AudienceDefinition,
  AudienceReference,
  ComputedPredicate,
  ComputedTraitDefinition,
  ComputedTraitKind,
  CountOp,
  DefinitionIssueCode,
  EventCondition,
  EventMatch,
  PredicateOp,
  ScoreRule,
  TraitPredicate,
  WhereClause,
} from './activation.js';
export { COMPUTED_TRAIT_KINDS, COUNT_OPS, DEFINITION_ISSUE_CODES, PREDICATE_OPS } from './activation.js';
export type {
  ApiErrorBody,
  ApiIssue,
  ConsentState,
  DeletionResult,
  EventWarning,
  IngestResponse,
  MergeRecord,
  Page,
  Profile,
  ProfileIdentifier,
  RejectedMessage,
  StoredEvent,
} from './api.js';
export type {
  ApiErrorCode,
  BuiltinIdentifierType,
  IngestLimits,
  MergeReason,
  RejectionCode,
  WarningCode,
} from './constants.js';
export {
  API_ERROR_CODES,
  BUILTIN_IDENTIFIER_TYPES,
  DEFAULT_LIMITS,
  MAX_BATCH_EVENTS,
  MAX_BEACON_BYTES,
  MAX_BODY_BYTES,
  MAX_COMPRESSED_BODY_BYTES,
  MAX_EVENT_BYTES,
  MAX_FUTURE_SKEW_MS,
  MAX_NAME_LENGTH,
  MAX_OBJECT_KEYS,
  MAX_PROPERTY_DEPTH,
  MAX_STRING_LENGTH,
  MERGE_REASONS,
  REJECTION_CODES,
  WARNING_CODES,
} from './constants.js';
export {
  aliasMessageSchema,
  batchEnvelopeSchema,
  categoryPreferencesSchema,
  contextSchema,
  externalIdSchema,
  groupMessageSchema,
  identifyMessageSchema,
  isoDateTimeSchema,
  jsonObjectSchema,
  messageSchema,
  pageMessageSchema,
  screenMessageSchema,
  trackMessageSchema,
} from './message-schemas.js';
export type {
  AliasMessage,
  BatchRequest,
  CategoryPreferences,
  ExternalId,
  GroupMessage,
  IdentifyMessage,
  JsonObject,
  JsonValue,
  Message,
  MessageBase,
  MessageContext,
  MessageType,
  PageMessage,
  ScreenMessage,
  TrackMessage,
} from './messages.js';
export { MESSAGE_TYPES } from './messages.js';
