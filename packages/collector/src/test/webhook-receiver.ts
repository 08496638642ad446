/**
 * A real webhook receiver for tests: a node:http server on loopback that
 * keeps every request (raw body, headers, arrival time) and answers as the
 * test scripts it. Verification uses the official `standardwebhooks` package,
 * so a passing test proves a receiver in the wild can verify without Exhaust code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  at: number;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The parsed body (set by `verify`). */
  json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** How to answer one request: a status (with headers), or a delay first, or never (hang). */
export type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang';

export interface TestReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Replies used in order for the next requests; afterwards every request gets 200. */
  script(...replies: Reply[]): void;
  /** Resolves once at least `count` requests arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  /** Verifies one request with `standardwebhooks` and the given secret; throws if it does not verify. */
  verify(request: ReceivedWebhook, secret: string): unknown;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<TestReceiver> {
  const received: ReceivedWebhook[] = [];
  const replies: Reply[] = [];
  const waiters: (() => void)[] = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    received.push({ at: Date.now(), path: req.url ?? '/', headers, body, json: JSON.parse(body) });
    for (const waiter of waiters.splice(0)) waiter();
    const reply = replies.shift() ?? { status: 200, body: 'ok' };
    if (reply === 'hang') {
      hanging.add(res);
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    script(...next) {
      replies.push(...next);
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${received.length} requests, expected ${count}`)),
          timeoutMs,
        );
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve(received.slice());
          } else waiters.push(check);
        };
        check();
      });
    },
    verify(request, secret) {
      return new Webhook(secret).verify(request.body, request.headers);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
