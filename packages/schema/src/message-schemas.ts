/**
 * Zod schemas for the wire messages. Each one is checked against its
 * hand-written type with `satisfies`, so the contract cannot drift.
 * Only the collector imports this module (SDKs stay zod-free).
 */
import { z } from 'zod';
import { MAX_NAME_LENGTH } from './constants.js';
import type {
  AliasMessage,
  CategoryPreferences,
  ExternalId,
  GroupMessage,
  IdentifyMessage,
  JsonObject,
  Message,
  MessageConsent,
  MessageContext,
  PageMessage,
  ScreenMessage,
  TrackMessage,
} from './messages.js';

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A JSON object. The body came from JSON.parse, so its leaves are JSON already;
 * depth, key count and string length are checked separately (collector limits).
 */
export const jsonObjectSchema = z.custom<JsonObject>(isPlainObject, { message: 'Expected an object' });

/** ISO 8601 date-time with `Z` or an offset, as Segment clients send. */
export const isoDateTimeSchema = z.iso.datetime({ offset: true });

const nameSchema = z.string().max(MAX_NAME_LENGTH);
const idSchema = z.string().min(1).max(MAX_NAME_LENGTH);

export const externalIdSchema = z.looseObject({
  id: idSchema,
  type: idSchema,
  collection: z.string().optional(),
  encoding: z.string().optional(),
}) satisfies z.ZodType<ExternalId>;

export const categoryPreferencesSchema = z.record(z.string(), z.boolean()) satisfies z.ZodType<CategoryPreferences>;

export const messageConsentSchema = z.looseObject({
  categoryPreferences: categoryPreferencesSchema.optional(),
  capturedUnder: z.literal('pending').optional(),
  releasedAt: isoDateTimeSchema.optional(),
}) satisfies z.ZodType<MessageConsent>;

export const contextSchema = z.looseObject({
  app: jsonObjectSchema.optional(),
  campaign: z.record(z.string(), z.string()).optional(),
  consent: messageConsentSchema.optional(),
  device: z.looseObject({ id: z.string().optional() }).optional(),
  externalIds: z.array(externalIdSchema).optional(),
  ip: z.string().optional(),
  library: z.looseObject({ name: z.string(), version: z.string() }).optional(),
  locale: z.string().optional(),
  page: z
    .looseObject({
      path: z.string().optional(),
      referrer: z.string().optional(),
      search: z.string().optional(),
      title: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
  screen: z
    .looseObject({ width: z.number().optional(), height: z.number().optional(), density: z.number().optional() })
    .optional(),
  session: z.looseObject({ id: z.string(), start: z.boolean().optional() }).optional(),
  timezone: z.string().optional(),
  traits: jsonObjectSchema.optional(),
  userAgent: z.string().optional(),
}) satisfies z.ZodType<MessageContext>;

const baseShape = {
  messageId: idSchema.optional(),
  anonymousId: idSchema.nullable().optional(),
  userId: idSchema.nullable().optional(),
  timestamp: isoDateTimeSchema.optional(),
  sentAt: isoDateTimeSchema.optional(),
  originalTimestamp: isoDateTimeSchema.optional(),
  context: contextSchema.optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
};

export const trackMessageSchema = z.looseObject({
  ...baseShape,
  type: z.literal('track'),
  event: z.string().min(1).max(MAX_NAME_LENGTH),
  properties: jsonObjectSchema.optional(),
}) satisfies z.ZodType<TrackMessage>;

export const pageMessageSchema = z.looseObject({
  ...baseShape,
  type: z.literal('page'),
  name: nameSchema.nullable().optional(),
  category: nameSchema.nullable().optional(),
  properties: jsonObjectSchema.optional(),
}) satisfies z.ZodType<PageMessage>;

export const screenMessageSchema = z.looseObject({
  ...baseShape,
  type: z.literal('screen'),
  name: nameSchema.nullable().optional(),
  category: nameSchema.nullable().optional(),
  properties: jsonObjectSchema.optional(),
}) satisfies z.ZodType<ScreenMessage>;

export const identifyMessageSchema = z.looseObject({
  ...baseShape,
  type: z.literal('identify'),
  traits: jsonObjectSchema.optional(),
}) satisfies z.ZodType<IdentifyMessage>;

export const groupMessageSchema = z.looseObject({
  ...baseShape,
  type: z.literal('group'),
  groupId: idSchema,
  traits: jsonObjectSchema.optional(),
}) satisfies z.ZodType<GroupMessage>;

export const aliasMessageSchema = z.looseObject({
  ...baseShape,
  type: z.literal('alias'),
  userId: idSchema,
  previousId: idSchema,
}) satisfies z.ZodType<AliasMessage>;

/**
 * Any message, by `type`. The "needs userId or anonymousId" rule is not here:
 * the collector reports it with its own code (`missing_identity`).
 */
export const messageSchema = z.discriminatedUnion('type', [
  trackMessageSchema,
  pageMessageSchema,
  screenMessageSchema,
  identifyMessageSchema,
  groupMessageSchema,
  aliasMessageSchema,
]) satisfies z.ZodType<Message>;

/** The envelope of `POST /v1/batch`; each element of `batch` is validated on its own. */
export const batchEnvelopeSchema = z.looseObject({
  batch: z.array(z.unknown()),
  sentAt: isoDateTimeSchema.optional(),
  writeKey: z.string().optional(),
  dropped: z.number().int().nonnegative().optional(),
  context: contextSchema.optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
});
