/**
 * The built CLI as a real process with a real receiver: a delivery whose
 * change was committed survives SIGKILL (it is sent again after the restart,
 * with the same webhook-id), and SIGTERM lets a request in flight finish and
 * be recorded before the process exits 0. Needs `dist/` (run `pnpm build`).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WebhookDelivery, WebhookEndpointCreated } from '@exhaust/schema';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { basic, track } from '../test/harness.js';
import { startReceiver, type TestReceiver } from '../test/webhook-receiver.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const WRITE_KEY = 'webhook-process-write-key-01';
const ADMIN_KEY = 'webhook-process-admin-key-01';
/** Generous: the machine may be loaded, and nothing here is timed. */
const WAIT_MS = 20_000;

interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function startCli(db: string, config: string): Promise<CliProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--db', db, '--config', config, '--log-level', 'info'],
    { env: { ...process.env, EXHAUST_WRITE_KEYS: WRITE_KEY, EXHAUST_ADMIN_KEY: ADMIN_KEY } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector not ready; stderr: ${stderr}`)), WAIT_MS);
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      if (line.msg === 'ready') {
        clearTimeout(timer);
        resolve({ child, url: line.url as string, exited });
      }
    });
    exited.then(({ code }) => reject(new Error(`collector exited (${code}); stderr: ${stderr}`)));
  });
}

const admin = (url: string, method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const sendTrack = (url: string, message: Record<string, unknown>) =>
  fetch(`${url}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(WRITE_KEY) },
    body: JSON.stringify(message),
  });

async function deliveriesOf(url: string, endpointId: string): Promise<WebhookDelivery[]> {
  const res = await admin(url, 'GET', `/v1/webhooks/${endpointId}/deliveries`);
  return ((await res.json()) as { data: WebhookDelivery[] }).data;
}

let dir: string;
let receiver: TestReceiver;
let config: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'exhaust-webhooks-process-'));
  config = join(dir, 'config.json');
  // Loopback receiver: http and private networks allowed, as for a self-hosted back office.
  writeFileSync(
    config,
    JSON.stringify({
      webhooks: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000, retryScheduleMs: [500] },
    }),
  );
});
afterEach(async () => {
  await receiver?.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webhook delivery across process death', () => {
  it('sends a delivery committed before SIGKILL after the restart, with the same webhook-id', async () => {
    receiver = await startReceiver();
    const db = join(dir, 'kill.db');
    const first = await startCli(db, config);
    const endpoint = (await (
      await admin(first.url, 'POST', '/v1/webhooks', { url: receiver.url, events: ['event.received'] })
    ).json()) as WebhookEndpointCreated;
    // The first request is received but never answered: the collector dies mid-delivery.
    receiver.script('hang');
    const order = track({ event: 'Truck Booked' });
    expect((await sendTrack(first.url, order)).status).toBe(200);
    const [inFlight] = await receiver.waitFor(1, WAIT_MS);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await startCli(db, config);
    try {
      // Sent again once the dead process's lease ends.
      const [, again] = await receiver.waitFor(2, WAIT_MS);
      expect(again!.headers['webhook-id']).toBe(inFlight!.headers['webhook-id']);
      expect(receiver.verify(again!, endpoint.secret)).toMatchObject({
        type: 'event.received',
        data: { messageId: order.messageId },
      });
      const deadline = Date.now() + WAIT_MS;
      let delivery: WebhookDelivery | undefined;
      while (Date.now() < deadline && delivery?.status !== 'delivered') {
        [delivery] = await deliveriesOf(second.url, endpoint.id);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(delivery).toMatchObject({ status: 'delivered', attempts: [{ statusCode: 200 }] });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('lets a delivery in flight finish and be recorded on SIGTERM, then exits 0', async () => {
    receiver = await startReceiver();
    const db = join(dir, 'term.db');
    const first = await startCli(db, config);
    const endpoint = (await (
      await admin(first.url, 'POST', '/v1/webhooks', { url: receiver.url, events: ['event.received'] })
    ).json()) as WebhookEndpointCreated;
    receiver.script({ status: 200, body: 'booked', delayMs: 700 });
    expect((await sendTrack(first.url, track({ event: 'Truck Booked' }))).status).toBe(200);
    const [request] = await receiver.waitFor(1, WAIT_MS);
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    // It waited for the answer (sent 700 ms after the request arrived).
    expect(exit.at - request!.at).toBeGreaterThanOrEqual(700);
    receiver.verify(request!, endpoint.secret);

    const second = await startCli(db, config);
    try {
      const [delivery] = await deliveriesOf(second.url, endpoint.id);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: [{ statusCode: 200, response: 'booked' }] });
      // Recorded before exit: nothing is sent again.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(receiver.received).toHaveLength(1);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
