/**
 * The fleet system's webhook endpoint (a truck-rental back office): verifies
 * every request with the official `standardwebhooks` package over the raw
 * body, drops repeats by `webhook-id` (delivery is at least once), and turns
 * a customer entering the `booking_surge` audience into a "send a truck" alert.
 */
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

/** Webhook ids remembered for dedupe; a real system keeps them in its database. */
export const SEEN_IDS_MAX = 10_000;

/**
 * @param {{ secret: string, onAlert?: (alert: { id: string, type: string, audience?: string, customer?: string, data: unknown }) => void }} options
 * @example createFleetReceiver({ secret: process.env.WEBHOOK_SECRET }).listen(8789);
 */
export function createFleetReceiver(options) {
  const onAlert = options.onAlert ?? ((alert) => console.log(JSON.stringify(alert)));
  // Built at the first request: the secret exists only once the endpoint was created (it may point here).
  let webhook = null;
  const seen = new Set();
  return createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/webhooks/exhaust') return res.writeHead(404).end();
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      // The raw body, exactly as received: re-serialized JSON would not verify.
      webhook ??= new Webhook(options.secret);
      event = webhook.verify(body, req.headers);
    } catch {
      return res.writeHead(401).end('signature not valid');
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      if (seen.size > SEEN_IDS_MAX) seen.delete(seen.values().next().value);
      onAlert(toAlert(id, event));
    }
    res.writeHead(204).end();
  });
}

function toAlert(id, { type, data }) {
  if (type === 'audience.entered' || type === 'audience.exited') {
    const customer =
      data.profile.identifiers.find((i) => i.type === 'email' || i.type === 'userId')?.value ?? data.profile.id;
    return { id, type, audience: data.audienceKey, customer, data };
  }
  return { id, type, data };
}
