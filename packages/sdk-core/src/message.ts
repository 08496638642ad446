import type { Message, MessageContext } from '@exhaust/schema';

export interface BuildOptions {
  now: () => number;
  newId: () => string;
  library: { name: string; version: string };
  /** Context known to the runtime (page, userAgent, session...); the message's own context wins. */
  context?: MessageContext;
}

/**
 * Completes a message at capture: `messageId` (uuid, the collector's dedupe
 * key), `timestamp` (capture time unless given; always ISO 8601), `context.library`. The queue adds `sentAt` to the batch at send.
 *
 * @example buildMessage({ type: 'track', event: 'Signed Up', anonymousId }, { now, newId, library })
 */
export function buildMessage(input: Message, options: BuildOptions): Message {
  return {
    ...input,
    messageId: input.messageId ?? options.newId(),
    // NOTE: normalized here, for every facade: a caller's Date or date string goes out as ISO 8601 (invalid throws).
    timestamp: new Date(input.timestamp ?? options.now()).toISOString(),
    context: { ...options.context, ...input.context, library: options.library },
  };
}
