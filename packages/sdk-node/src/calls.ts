/**
 * Segment's server-side call shapes: every call names who it is about
 * (`userId` and/or `anonymousId`), because a server has no "current visitor".
 * Each shape becomes a wire `Message`, or a `CallError` saying what is wrong.
 */
import type { JsonObject, Message, MessageContext } from '@exhaust/schema';
import { CallError } from './errors.js';

/** Fields every call takes. One of `userId` / `anonymousId` is required. */
export interface CallFields {
  userId?: string | null;
  anonymousId?: string | null;
  /** When it happened. Default: now. */
  timestamp?: Date | string;
  /** Default: a fresh uuid. Pass your own (e.g. an order id) to make retries of your own idempotent. */
  messageId?: string;
  context?: MessageContext;
  integrations?: Record<string, unknown>;
}

export interface TrackParams extends CallFields {
  event: string;
  properties?: JsonObject;
}
export interface IdentifyParams extends CallFields {
  traits?: JsonObject;
}
export interface PageParams extends CallFields {
  name?: string;
  category?: string;
  properties?: JsonObject;
}
export type ScreenParams = PageParams;
export interface GroupParams extends CallFields {
  groupId: string;
  traits?: JsonObject;
}
export interface AliasParams extends Omit<CallFields, 'userId' | 'anonymousId'> {
  /** The new id. */
  userId: string;
  /** The id the person had before (often an anonymousId). */
  previousId: string;
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function invalid(field: string, message: string): CallError {
  return new CallError('invalid_field', message, field);
}

/** The fields shared by every message, or the error that refuses the call. */
function base(type: Message['type'], params: CallFields, needsWho: boolean): Record<string, unknown> | CallError {
  if (params == null || typeof params !== 'object') return invalid('', `${type}() takes one object argument`);
  const { userId, anonymousId, timestamp, messageId, context, integrations } = params;
  if (needsWho && !isId(userId) && !isId(anonymousId)) {
    return new CallError('missing_identity', `${type}() needs a userId or an anonymousId`, 'userId');
  }
  const fields: Record<string, unknown> = { type };
  if (isId(userId)) fields.userId = userId;
  if (isId(anonymousId)) fields.anonymousId = anonymousId;
  if (timestamp !== undefined) {
    const at = timestamp instanceof Date ? timestamp : new Date(timestamp);
    if (Number.isNaN(at.getTime())) return invalid('timestamp', `${type}() got an invalid timestamp`);
    fields.timestamp = at.toISOString();
  }
  if (messageId !== undefined) {
    if (!isId(messageId)) return invalid('messageId', `${type}() got an empty messageId`);
    fields.messageId = messageId;
  }
  if (context !== undefined) fields.context = context;
  if (integrations !== undefined) fields.integrations = integrations;
  return fields;
}

function build(
  type: Message['type'],
  params: CallFields,
  extra: (fields: Record<string, unknown>) => CallError | null,
): Message | CallError {
  const fields = base(type, params, type !== 'alias');
  if (fields instanceof CallError) return fields;
  return extra(fields) ?? (fields as Message);
}

export const trackMessage = (params: TrackParams) =>
  build('track', params, (fields) => {
    if (!isId(params.event)) return invalid('event', 'track() needs an event name');
    fields.event = params.event;
    if (params.properties !== undefined) fields.properties = params.properties;
    return null;
  });

export const identifyMessage = (params: IdentifyParams) =>
  build('identify', params, (fields) => {
    if (params.traits !== undefined) fields.traits = params.traits;
    return null;
  });

const pageLike = (type: 'page' | 'screen') => (params: PageParams) =>
  build(type, params, (fields) => {
    if (params.name !== undefined) fields.name = params.name;
    if (params.category !== undefined) fields.category = params.category;
    if (params.properties !== undefined) fields.properties = params.properties;
    return null;
  });
export const pageMessage = pageLike('page');
export const screenMessage = pageLike('screen');

export const groupMessage = (params: GroupParams) =>
  build('group', params, (fields) => {
    if (!isId(params.groupId)) return invalid('groupId', 'group() needs a groupId');
    fields.groupId = params.groupId;
    if (params.traits !== undefined) fields.traits = params.traits;
    return null;
  });

export const aliasMessage = (params: AliasParams) =>
  build('alias', params as CallFields, (fields) => {
    if (!isId(params.userId)) return new CallError('missing_identity', 'alias() needs a userId', 'userId');
    if (!isId(params.previousId)) return invalid('previousId', 'alias() needs a previousId');
    fields.userId = params.userId;
    fields.previousId = params.previousId;
    return null;
  });
