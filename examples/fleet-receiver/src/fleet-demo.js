/**
 * The demo's steps against any running collector: start the receiver, define
 * the audience and the webhook, book twice, and resolve with the first alert.
 */
import { createFleetReceiver } from './fleet-receiver.js';

/** A customer booking at least this many trucks within an hour is a surge. */
export const SURGE_BOOKINGS = 2;

/**
 * @param {{ collector: { url: string, writeKey: string, adminKey: string }, log?: (line: string) => void }} options
 */
export async function runFleetDemo({ collector, log = () => {} }) {
  const admin = (path, body) =>
    fetch(`${collector.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (res) => {
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    });

  let secret = '';
  let resolveAlert;
  const alerted = new Promise((resolve) => {
    resolveAlert = resolve;
  });
  // The secret is known only after the endpoint exists: the receiver reads it at the first request.
  const server = createFleetReceiver({
    get secret() {
      return secret;
    },
    onAlert: (alert) => {
      log(`fleet system: ${alert.type} ${alert.audience ?? ''} ${alert.customer ?? ''}`);
      if (alert.type === 'audience.entered') resolveAlert(alert);
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await admin('/v1/audiences', {
      key: 'booking_surge',
      name: 'Booking surge',
      condition: { event: 'Truck Booked', within: '1h', count: { op: 'gte', value: SURGE_BOOKINGS } },
    });
    const endpoint = await admin('/v1/webhooks', {
      url: `http://127.0.0.1:${server.address().port}/webhooks/exhaust`,
      events: ['audience.entered'],
      filter: { audiences: ['booking_surge'] },
      description: 'fleet system',
    });
    secret = endpoint.secret;
    log(`webhook ${endpoint.id} -> fleet system`);
    for (let i = 1; i <= SURGE_BOOKINGS; i++) {
      const res = await fetch(`${collector.url}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${collector.writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({
          event: 'Truck Booked',
          userId: 'ada@example.org',
          properties: { depot: 'Leeds', size: '7.5t', booking: i },
        }),
      });
      if (!res.ok) throw new Error(`track: ${res.status}`);
      log(`booking ${i} sent`);
    }
    return await alerted;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
