/**
 * Which endpoints a change goes to: the endpoint subscribes to the type, and
 * its filter (if any) lets the change through. Pure, used by the store when
 * it writes the outbox.
 */
import type {
  MessageType,
  SubscriptionChannel,
  WebhookBodyType,
  WebhookEventType,
  WebhookFilter,
} from '@exhaust/schema';

/** What a change can be filtered on; each field applies only to the types that carry it. */
export interface ChangeFacets {
  /** `event.received`: the track event name (null for other message types). */
  eventName?: string | null;
  /** `event.received`: the message type. */
  messageType?: MessageType;
  /** `audience.*`. */
  audienceKey?: string;
  /** `computed.changed`. */
  traitKey?: string;
  /** `subscription.changed`. */
  channel?: SubscriptionChannel;
}

export interface EndpointSubscription {
  events: readonly WebhookEventType[];
  filter: WebhookFilter | null;
}

/**
 * @example matchesEndpoint({ events: ['event.received'], filter: { events: ['Order Completed'] } },
 *   'event.received', { eventName: 'Order Completed', messageType: 'track' }) // true
 */
export function matchesEndpoint(endpoint: EndpointSubscription, type: WebhookBodyType, facets: ChangeFacets): boolean {
  if (!(endpoint.events as readonly string[]).includes(type)) return false;
  const filter = endpoint.filter;
  if (!filter) return true;
  switch (type) {
    case 'event.received':
      if (filter.types && (!facets.messageType || !filter.types.includes(facets.messageType))) return false;
      if (filter.events && (facets.eventName == null || !filter.events.includes(facets.eventName))) return false;
      return true;
    case 'audience.entered':
    case 'audience.exited':
      return !filter.audiences || (facets.audienceKey !== undefined && filter.audiences.includes(facets.audienceKey));
    case 'computed.changed':
      return !filter.traits || (facets.traitKey !== undefined && filter.traits.includes(facets.traitKey));
    case 'subscription.changed':
      return !filter.channels || (facets.channel !== undefined && filter.channels.includes(facets.channel));
    default:
      return true;
  }
}
