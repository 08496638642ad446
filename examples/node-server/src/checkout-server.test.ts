/**
 * The checkout service against a real collector over loopback: a checkout
 * from the shop's origin lands as `Order Completed` on the shopper's profile,
 * next to what the browser sent for the same person.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningCollector, startCollector } from '@exhaust/collector';
import { createClient, type NodeClient } from '@exhaust/node';
import type { Page, StoredEvent } from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckoutServer } from './checkout-server.js';

const SHOP_ORIGIN = 'http://localhost:5173';
let dir: string;
let collector: RunningCollector;
let exhaust: NodeClient;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exhaust-node-server-'));
  collector = await startCollector({ port: 0, db: join(dir, 'exhaust.db'), logLevel: 'silent' });
  exhaust = createClient({ writeKey: collector.writeKey, host: collector.url });
  server = createCheckoutServer({ exhaust, allowedOrigins: [SHOP_ORIGIN] });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await exhaust.shutdown();
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

const admin = async <T>(path: string) => {
  const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${collector.adminKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};
const checkout = (body: unknown, origin = SHOP_ORIGIN) =>
  fetch(`${url}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify(body),
  });

describe('checkout service', () => {
  it('answers the shop origin preflight and no other', async () => {
    const preflight = await fetch(`${url}/checkout`, {
      method: 'OPTIONS',
      headers: { origin: SHOP_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
    const stranger = await checkout({ userId: 'x', orderId: 'o', total: 1 }, 'https://evil.example');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('tracks Order Completed on the profile the browser built for the same shopper', async () => {
    // What the React shop's SDK sent: browsing anonymously, then logging in.
    const browser = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${collector.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        batch: [
          { type: 'page', anonymousId: 'shop-anon-1', name: 'Cart', messageId: 'browser-page-1' },
          { type: 'identify', anonymousId: 'shop-anon-1', userId: 'shopper-1', messageId: 'browser-identify-1' },
        ],
      }),
    });
    expect(browser.status).toBe(200);

    const order = {
      userId: 'shopper-1',
      anonymousId: 'shop-anon-1',
      orderId: 'order-1001',
      total: 59.9,
      currency: 'EUR',
      products: [{ id: 'p-1', name: 'Mug', price: 29.95, quantity: 2 }],
    };
    const res = await checkout(order);
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
    const { messageId } = (await res.json()) as { messageId: string };
    // The same order posted again is acknowledged but counted once (its messageId comes from the order id).
    expect((await checkout(order)).status).toBe(201);
    await exhaust.flush();

    const profileEvents = await admin<Page<StoredEvent>>(
      `/v1/profiles/${encodeURIComponent('userId:shopper-1')}/events?limit=100`,
    );
    const byId = new Map(profileEvents.data.map((event) => [event.messageId, event]));
    expect([...byId.keys()].sort()).toEqual(['browser-identify-1', 'browser-page-1', messageId].sort());
    expect(byId.get(messageId)?.message).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      userId: 'shopper-1',
      properties: {
        orderId: 'order-1001',
        total: 59.9,
        currency: 'EUR',
        products: [{ productId: 'p-1', name: 'Mug', price: 29.95, quantity: 2 }],
      },
      context: { library: { name: '@exhaust/node' } },
    });
  });

  it('refuses a checkout without a userId, with a typed error and nothing tracked', async () => {
    const res = await checkout({ orderId: 'order-bad', total: 5 });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'invalid_body', message: 'userId is required' } });
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
