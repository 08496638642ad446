/**
 * A small checkout service on node:http. The React shop example POSTs its
 * checkout here; the order is tracked server-side as `Order Completed` with
 * the shopper's userId, so the collector's profile shows the browser's events
 * and the server's side by side.
 */
import { createServer } from 'node:http';

/** Largest checkout body read; anything bigger is refused with 413. */
export const MAX_CHECKOUT_BODY_BYTES = 64 * 1024;
/**
 * Default port of the checkout service: 8787 is the collector's and 8788 the
 * demo shop's of `pnpm start`, so all three can run side by side.
 */
export const DEFAULT_CHECKOUT_PORT = 8789;
/** Origins of the React example in development (Vite's default port). */
export const DEV_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173'];

class HttpError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {import('node:http').IncomingMessage} req */
async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_CHECKOUT_BODY_BYTES) throw new HttpError(413, 'payload_too_large', 'the checkout is too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

const isText = (value) => typeof value === 'string' && value.trim() !== '';

/**
 * The order as tracked, or an HttpError naming what is missing.
 * @param {any} body
 */
function orderOf(body) {
  if (!body || typeof body !== 'object') throw new HttpError(400, 'invalid_body', 'send a JSON object');
  if (!isText(body.userId)) throw new HttpError(400, 'invalid_body', 'userId is required');
  if (!isText(body.orderId)) throw new HttpError(400, 'invalid_body', 'orderId is required');
  if (typeof body.total !== 'number' || !Number.isFinite(body.total) || body.total < 0) {
    throw new HttpError(400, 'invalid_body', 'total must be a non-negative number');
  }
  const products = Array.isArray(body.products) ? body.products : [];
  return {
    userId: body.userId,
    anonymousId: isText(body.anonymousId) ? body.anonymousId : undefined,
    properties: {
      orderId: body.orderId,
      total: body.total,
      currency: isText(body.currency) ? body.currency : 'USD',
      products: products.map((p) => ({
        productId: String(p?.id ?? ''),
        name: String(p?.name ?? ''),
        price: Number(p?.price ?? 0),
        quantity: Number(p?.quantity ?? 1),
      })),
    },
  };
}

/**
 * @param {{ exhaust: import('@exhaust/node').NodeClient, allowedOrigins?: string[] }} options
 * @returns {import('node:http').Server}
 * @example createCheckoutServer({ exhaust: createClient({ writeKey, host }) }).listen(DEFAULT_CHECKOUT_PORT)
 */
export function createCheckoutServer({ exhaust, allowedOrigins = DEV_ORIGINS }) {
  return createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'OPTIONS' && path === '/checkout') {
        res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && path === '/health') return send(200, { ok: true });
      if (path !== '/checkout') throw new HttpError(404, 'route_not_found', `no route ${path}`);
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'POST a checkout');
      const order = orderOf(await readJson(req));
      // The order id makes the messageId: a checkout posted twice is counted once by the collector.
      const messageId = exhaust.track({
        userId: order.userId,
        anonymousId: order.anonymousId,
        event: 'Order Completed',
        properties: order.properties,
        messageId: `order-completed-${order.properties.orderId}`,
      });
      send(201, { orderId: order.properties.orderId, messageId });
    } catch (error) {
      const known = error instanceof HttpError;
      send(known ? error.status : 500, {
        error: { code: known ? error.code : 'internal_error', message: known ? error.message : 'checkout failed' },
      });
    }
  });
}
