/**
 * A server has no consent banner: the person's consent is recorded by the
 * browser SDK and kept on the profile by the collector. The core tracker
 * stamps every event with the preferences of its consent gate, and the
 * collector takes the latest stamp per category as the profile's state, so a
 * server event stamped "everything granted" would overwrite a visitor's
 * "no marketing". The Node client therefore runs its events through the gate
 * as `necessary` with no other category, and removes that stamp before sending.
 */
import type { ConsentOptions, Transport } from '@exhaust/core';
import type { Message } from '@exhaust/schema';

/** The consent category of every server event. */
export const SERVER_CONSENT_CATEGORY = 'necessary';

/** The core's consent gate for server events: nothing to decide, nothing but `necessary` known. */
export const SERVER_CONSENT: ConsentOptions = { required: false, categories: [] };

function isGateStamp(consent: unknown): boolean {
  const preferences = (consent as { categoryPreferences?: Record<string, unknown> } | undefined)?.categoryPreferences;
  if (!preferences || Object.keys(consent as object).length !== 1) return false;
  const keys = Object.keys(preferences);
  return keys.length === 1 && keys[0] === SERVER_CONSENT_CATEGORY && preferences[SERVER_CONSENT_CATEGORY] === true;
}

/** The message without the gate's stamp (a consent the caller passed itself is left alone). */
export function withoutGateConsent(message: Message): Message {
  if (!isGateStamp(message.context?.consent)) return message;
  const { consent: _stamp, ...context } = message.context!;
  return { ...message, context };
}

/**
 * Wraps a transport so no server event claims consent on the person's behalf.
 *
 * @example const transport = withoutConsentStamps(createNodeTransport({ writeKey, host }));
 */
export function withoutConsentStamps(transport: Transport): Transport {
  return {
    send: (body, options) => transport.send({ ...body, batch: body.batch.map(withoutGateConsent) }, options),
  };
}
