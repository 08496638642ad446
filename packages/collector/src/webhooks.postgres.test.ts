/**
 * Webhook delivery shared by collector processes (the built CLI) on one
 * PostgreSQL database, to a real receiver on loopback: every delivery arrives
 * exactly once (by webhook-id) and in order per ordering key, whichever
 * collector sends it; a collector SIGKILLed while its request hangs loses
 * nothing: once its lease ends the other collector sends the delivery again,
 * with the same webhook-id (at least once). Needs `dist/` (`pnpm build`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookDelivery, WebhookEndpointCreated } from '@exhaust/schema';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from './identity/config.js';
import { computedChange } from './store/outbox-payloads.js';
import { createPgWebhooks } from './store/postgres/webhooks/index.js';
import { CLI, type CliProcess, startCli } from './test/cli-process.js';
import { basic } from './test/harness.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from './test/postgres.js';
import { startReceiver, type TestReceiver } from './test/webhook-receiver.js';
import { DELIVERY_LEASE_MARGIN_MS } from './webhooks/delivery-worker.js';

const clusterUrl = testPostgresUrl();
const WRITE_KEY = 'pg-webhooks-write-key-0001';
const ADMIN_KEY = 'pg-webhooks-admin-key-0001';
const ENV = { EXHAUST_WRITE_KEYS: WRITE_KEY, EXHAUST_ADMIN_KEY: ADMIN_KEY };
/** Generous: the machine may be loaded, and nothing here is timed. */
const WAIT_MS = 60_000;
/** The request timeout; a claim's lease is this plus `DELIVERY_LEASE_MARGIN_MS` (5 s). */
const TIMEOUT_MS = 1_000;
/** Most the first request may take to reach the receiver after its claim (a loaded machine). */
const CLAIM_TO_ARRIVAL_SLACK_MS = 2_000;

const admin = (url: string, method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function sendBatch(url: string, batch: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(WRITE_KEY) },
    body: JSON.stringify({ batch }),
  });
  expect(res.status).toBe(200);
}

/**
 * Writes ordered `computed.changed` deliveries to the shared outbox as the activation area does
 * (one transaction per change, values counting up per profile and trait), profile after profile.
 */
async function enqueueComputed(url: string, profiles: string[], changes: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const webhooks = createPgWebhooks(DEFAULT_IDENTITY_CONFIG);
  try {
    for (const profileId of profiles) {
      for (let value = 1; value <= changes; value += 1) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const outbox = await webhooks.open(client);
          const now = Date.now();
          await outbox.enqueue(
            computedChange(profileId, 'orders', value === 1 ? null : String(value - 1), String(value), now),
            now,
          );
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    }
  } finally {
    await pool.end();
  }
}

async function deliveriesOf(url: string, endpointId: string): Promise<WebhookDelivery[]> {
  const res = await admin(url, 'GET', `/v1/webhooks/${endpointId}/deliveries?limit=100`);
  return ((await res.json()) as { data: WebhookDelivery[] }).data;
}

describe.skipIf(clusterUrl === null)('webhook delivery shared by two collector processes on PostgreSQL', () => {
  let dir: string;
  let config: string;
  let receiver: TestReceiver | undefined;
  let collectors: CliProcess[] = [];
  let database: TestDatabase | undefined;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` before these tests`);
    dir = mkdtempSync(join(tmpdir(), 'exhaust-webhooks-pg-'));
    config = join(dir, 'config.json');
    // Loopback receiver: http and private networks allowed, as for a self-hosted back office.
    writeFileSync(
      config,
      JSON.stringify({
        webhooks: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: TIMEOUT_MS, retryScheduleMs: [200] },
      }),
    );
  });
  afterEach(async () => {
    // A test that failed while a collector was paused must not leave it paused: it could not stop.
    for (const collector of collectors) collector.child.kill('SIGCONT');
    await Promise.all(collectors.map((collector) => collector.stop()));
    collectors = [];
    await receiver?.close();
    await database?.drop();
    database = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (db: string) => {
    const collector = await startCli(['--db', db, '--config', config], ENV);
    collectors.push(collector);
    return collector;
  };

  it('delivers every change exactly once, in order per ordering key, from both collectors', {
    timeout: 180_000,
  }, async () => {
    database = await createTestDatabase(clusterUrl!);
    receiver = await startReceiver();
    const [a, b] = await Promise.all([start(database.url), start(database.url)]);
    const endpoint = (await (
      await admin(a!.url, 'POST', '/v1/webhooks', {
        url: receiver.url,
        events: ['event.received', 'computed.changed'],
      })
    ).json()) as WebhookEndpointCreated;

    const EVENTS = 200;
    const batches = Array.from({ length: EVENTS / 10 }, (_, i) =>
      Array.from({ length: 10 }, (_, j) => ({
        type: 'track',
        event: 'Order Completed',
        messageId: `pgw-${i}-${j}`,
        anonymousId: `anon-${(i * 10 + j) % 37}`,
      })),
    );
    const PROFILES = ['p_one', 'p_two', 'p_three', 'p_four'];
    const CHANGES = 8;
    // Ingest across both collectors while ordered changes are written, all delivered meanwhile.
    await Promise.all([
      ...batches.map((batch, i) => sendBatch((i % 2 === 0 ? a : b)!.url, batch)),
      enqueueComputed(database.url, PROFILES, CHANGES),
    ]);
    const total = EVENTS + PROFILES.length * CHANGES;
    await receiver.waitFor(total, WAIT_MS);
    // Nothing more comes: every delivery was recorded once sent.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const received = receiver.received;
    expect(received).toHaveLength(total);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(total);
    for (const request of received) receiver.verify(request, endpoint.secret);
    const messageIds = received.filter((r) => r.json.type === 'event.received').map((r) => r.json.data.messageId);
    expect(new Set(messageIds)).toEqual(new Set(batches.flat().map((m) => m.messageId)));
    for (const profileId of PROFILES) {
      const values = received
        .filter((r) => r.json.type === 'computed.changed' && r.json.data.profileId === profileId)
        .map((r) => r.json.data.value);
      expect(values).toEqual(Array.from({ length: CHANGES }, (_, i) => i + 1));
    }
  });

  it('sends a delivery again from the other collector once a killed one’s lease ends, same webhook-id', {
    timeout: 120_000,
  }, async () => {
    database = await createTestDatabase(clusterUrl!);
    receiver = await startReceiver();
    const [victim, survivor] = await Promise.all([start(database.url), start(database.url)]);
    // Paused so that the victim is the one to claim; before any endpoint exists, so that no
    // transaction it may be paused in holds a lock the victim needs.
    survivor.child.kill('SIGSTOP');
    const created = await admin(victim.url, 'POST', '/v1/webhooks', { url: receiver.url, events: ['event.received'] });
    // NOTE: a paused collector holding the endpoints lock (shared) would make this wait for it and fail.
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as WebhookEndpointCreated;
    // The first request is received but never answered: its sender dies holding the lease.
    receiver.script('hang');
    await sendBatch(victim.url, [{ type: 'track', event: 'Truck Booked', messageId: 'hung-1', anonymousId: 'a' }]);
    const [inFlight] = await receiver.waitFor(1, WAIT_MS);
    victim.child.kill('SIGKILL');
    survivor.child.kill('SIGCONT');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const [, again] = await receiver.waitFor(2, WAIT_MS);
    expect(again!.headers['webhook-id']).toBe(inFlight!.headers['webhook-id']);
    // Not while the lease (timeout + margin, taken just before the first request left) held.
    expect(again!.at - inFlight!.at).toBeGreaterThanOrEqual(
      TIMEOUT_MS + DELIVERY_LEASE_MARGIN_MS - CLAIM_TO_ARRIVAL_SLACK_MS,
    );
    expect(receiver.verify(again!, endpoint.secret)).toMatchObject({
      type: 'event.received',
      data: { messageId: 'hung-1' },
    });
    const deadline = Date.now() + WAIT_MS;
    let delivery: WebhookDelivery | undefined;
    while (Date.now() < deadline && delivery?.status !== 'delivered') {
      [delivery] = await deliveriesOf(survivor.url, endpoint.id);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The killed attempt was never recorded: one attempt, the survivor's.
    expect(delivery).toMatchObject({ status: 'delivered', attempts: [{ statusCode: 200 }] });
    expect(receiver.received).toHaveLength(2);
  });
});
