/**
 * The ingest use case, independent of HTTP: a parsed body in, validated and
 * enriched events stored, Segment-style answer out. A batch with some invalid
 * messages stores the valid ones and reports the others, so a client never
 * retries a poison message forever.
 */
import {
  batchEnvelopeSchema,
  type IngestLimits,
  type IngestResponse,
  type MessageContext,
  type MessageType,
  type RejectedMessage,
} from '@exhaust/schema';
import { ApiError } from '../errors.js';
import type { IncomingEvent, Store } from '../store/store.js';
import { enrichMessage } from './enrich.js';
import type { IpPolicy } from './ip.js';
import { checkEventSize, validateMessage } from './validate.js';

export interface IngestRequest {
  /** Name of the source whose write key authenticated the request. */
  source: string;
  /** The JSON-parsed body. */
  body: unknown;
  /** Set for `/v1/track` and friends: the body is one message of this type. */
  singleType?: MessageType;
  requestIp: string | null;
  receivedAt: Date;
}

export interface IngestService {
  ingest(request: IngestRequest): Promise<IngestResponse>;
}

export interface IngestServiceDeps {
  store: Store;
  limits: IngestLimits;
  ipPolicy: IpPolicy;
}

interface Envelope {
  messages: unknown[];
  sentAt?: string | undefined;
  context?: MessageContext | undefined;
  integrations?: Record<string, unknown> | undefined;
}

function envelopeOf(request: IngestRequest, limits: IngestLimits): Envelope {
  if (request.singleType) {
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      throw new ApiError(400, 'invalid_body', `the body must be one ${request.singleType} message (a JSON object)`);
    }
    return { messages: [request.body] };
  }
  const parsed = batchEnvelopeSchema.safeParse(request.body);
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_body', 'the body must be an object with a "batch" array', {
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path as (string | number)[],
        message: issue.message,
        code: issue.code,
      })),
    });
  }
  const { batch, sentAt, context, integrations } = parsed.data;
  if (batch.length > limits.maxBatchEvents) {
    throw new ApiError(413, 'batch_too_large', `a batch holds at most ${limits.maxBatchEvents} messages`);
  }
  // Take the envelope's own objects (not zod's copies) for the same reason as messages.
  const raw = request.body as Record<string, unknown>;
  return {
    messages: batch,
    sentAt,
    context: context ? (raw.context as MessageContext) : undefined,
    integrations: integrations ? (raw.integrations as Record<string, unknown>) : undefined,
  };
}

/** Batch-level context and integrations apply to every message; the message's own keys win. */
function applyEnvelope(message: unknown, envelope: Envelope): unknown {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return message;
  const m = message as Record<string, unknown>;
  if (envelope.context) m.context = { ...envelope.context, ...(m.context as object | undefined) };
  if (envelope.integrations) m.integrations = { ...envelope.integrations, ...(m.integrations as object | undefined) };
  return m;
}

/** `Retry-After` of a 429 `ingest_overloaded`, in seconds: a group commit takes well under that. */
export const OVERLOADED_RETRY_AFTER_S = 1;

export function createIngestService({ store, limits, ipPolicy }: IngestServiceDeps): IngestService {
  // Events handed to the store and not yet answered, across every request of this collector.
  let pending = 0;
  return {
    async ingest(request) {
      const envelope = envelopeOf(request, limits);
      if (pending > 0 && pending + envelope.messages.length > limits.maxPendingEvents) {
        throw new ApiError(
          429,
          'ingest_overloaded',
          `${pending} events are waiting to be stored (limits.maxPendingEvents ${limits.maxPendingEvents}); retry later`,
          { headers: { 'Retry-After': String(OVERLOADED_RETRY_AFTER_S) } },
        );
      }
      const rejected: RejectedMessage[] = [];
      const events: IncomingEvent[] = [];
      envelope.messages.forEach((raw, index) => {
        const result = validateMessage(applyEnvelope(raw, envelope), limits, request.singleType);
        if (!result.ok) {
          rejected.push({ index, ...result.rejection });
          return;
        }
        const sentMessageId = result.message.messageId ?? null;
        const enriched = enrichMessage(result.message, {
          receivedAt: request.receivedAt,
          envelopeSentAt: envelope.sentAt,
          requestIp: request.requestIp,
          ipPolicy,
        });
        const payload = JSON.stringify(enriched.message);
        const tooLarge = checkEventSize(payload, limits);
        if (tooLarge) {
          rejected.push({ index, messageId: sentMessageId, ...tooLarge });
          return;
        }
        events.push({
          payload,
          source: request.source,
          messageId: enriched.messageId,
          type: enriched.message.type,
          receivedAt: request.receivedAt.toISOString(),
          timestamp: enriched.timestamp,
          message: enriched.message,
          warnings: enriched.warnings,
        });
      });
      // Remembered for the console's "recent rejections" and "what happened to this event?": never the payload.
      const remembered = rejected.map(({ index: _index, ...rejection }) => ({
        ...rejection,
        source: request.source,
        at: request.receivedAt.toISOString(),
      }));
      pending += events.length;
      let outcomes: Awaited<ReturnType<Store['ingest']>>;
      try {
        [outcomes] = await Promise.all([
          events.length ? store.ingest(events) : [],
          remembered.length ? store.recordRejections(remembered) : undefined,
        ]);
      } finally {
        pending -= events.length;
      }
      return {
        success: true,
        accepted: outcomes.filter((o) => o.status === 'stored').length,
        duplicates: outcomes.filter((o) => o.status === 'duplicate').length,
        suppressed: outcomes.filter((o) => o.status === 'suppressed').length,
        rejected,
      };
    },
  };
}
