// The ingest bench's workloads, one row each. A row says how to build one
// request body; `i` is a counter unique within the run, so every messageId is
// new (a duplicate would take the cheap dedupe path and flatter the figure).

const PADDING = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.';

/** One Segment-style track event, about 630 bytes of JSON like the ones measured in performance-limits.md. */
export function trackEvent(id, anonymousId) {
  return {
    type: 'track',
    event: 'Product Viewed',
    messageId: `bench-${id}`,
    anonymousId,
    timestamp: new Date().toISOString(),
    properties: { productId: 'p-977', price: 19.99, currency: 'EUR', category: 'shoes', note: PADDING },
    context: {
      library: { name: 'analytics.js', version: '5.2.0' },
      page: { path: '/products/42', url: 'https://shop.example.com/products/42', title: 'Running shoe' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
      locale: 'en-GB',
    },
  };
}

/** An identify of a logged-in person on one device (what analytics.js sends at login). */
export function identifyEvent(id, userId, anonymousId) {
  return {
    type: 'identify',
    messageId: `bench-${id}`,
    userId,
    anonymousId,
    timestamp: new Date().toISOString(),
    traits: { plan: 'pro', name: 'Bench User', company: 'Example Ltd' },
    context: { library: { name: 'analytics.js', version: '5.2.0' }, locale: 'en-GB' },
  };
}

/**
 * @type {{ name: string, eventsPerRequest: number, body: (request: number | string, uniq: string) => object }[]}
 * `uniq` is unique per load-generator process; `request` counts its requests. The load generator
 * builds each body once with a placeholder for `request` and splices the counter in per request,
 * so that making bodies never limits the load: keep `request` inside strings (ids), not numbers.
 */
export const WORKLOADS = [
  {
    name: 'track, batch 1',
    eventsPerRequest: 1,
    body: (request, uniq) => ({
      batch: [trackEvent(`${uniq}-${request}`, `anon-${uniq}-${request}`)],
      sentAt: new Date().toISOString(),
    }),
  },
  {
    name: 'track, batch 20',
    eventsPerRequest: 20,
    body: (request, uniq) => ({
      // One client's batch: 20 events of one visitor.
      batch: Array.from({ length: 20 }, (_, k) => trackEvent(`${uniq}-${request}-${k}`, `anon-${uniq}-${request}`)),
      sentAt: new Date().toISOString(),
    }),
  },
  {
    name: 'identity-heavy, batch 20',
    eventsPerRequest: 20,
    body: (request, uniq) => {
      // One person on four devices. The batch opens with a server-side track carrying only the
      // userId; then each device browses (4 events, a new profile) and logs in: every fifth event
      // is an identify that merges that device's profile into the person's.
      const user = `user-${uniq}-${request}`;
      const device = (group) => `dev-${uniq}-${request}-${group}`;
      return {
        batch: Array.from({ length: 20 }, (_, k) => {
          const id = `${uniq}-${request}-${k}`;
          if (k % 5 === 4) return identifyEvent(id, user, device(Math.floor(k / 5)));
          if (k === 0) return { ...trackEvent(id, undefined), userId: user };
          return trackEvent(id, device(Math.floor(k / 5)));
        }),
        sentAt: new Date().toISOString(),
      };
    },
  },
];
