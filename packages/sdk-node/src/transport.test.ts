/**
 * The fetch transport against real loopback servers: the collector (plain and
 * gzip bodies, its error codes) and a bare node:http server for what a
 * collector or proxy may answer (Retry-After, HTML error pages, 2xx without a body).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { HttpStatusError, NetworkError } from '@exhaust/core';
import type { BatchRequest } from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestCollector, storedEvents, type TestCollector } from './test/harness.js';
import { createNodeTransport } from './transport.js';

let collector: TestCollector;
let server: Server;
let serverUrl = '';
let answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void = (_req, res) => res.end();

beforeAll(async () => {
  collector = await startTestCollector();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await collector.stop();
});

const batch = (event: string, n = 2): BatchRequest => ({
  batch: Array.from({ length: n }, (_, i) => ({
    type: 'track' as const,
    event,
    userId: 'transport-user',
    messageId: `${event}-${i}`,
  })),
  sentAt: new Date().toISOString(),
});

describe('node transport', () => {
  it.each([false, true])('delivers a batch to the collector (gzip %s) and returns its answer', async (gzip) => {
    const transport = createNodeTransport({ writeKey: collector.writeKey, host: `${collector.url}/`, gzip });
    const event = `Transport Gzip ${gzip}`;
    expect(await transport.send(batch(event))).toEqual({
      success: true,
      accepted: 2,
      duplicates: 0,
      suppressed: 0,
      rejected: [],
    });
    expect(await transport.send(batch(event))).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await storedEvents(collector, event)).toHaveLength(2);
  });

  it('turns a refused write key into HttpStatusError with the API code', async () => {
    const transport = createNodeTransport({ writeKey: 'not-a-key', host: collector.url });
    const error = await transport.send(batch('Refused')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 401, apiCode: 'unauthorized', retryAfterMs: null });
  });

  it('reads Retry-After, tolerates non-JSON error pages, and sends Segment-style Basic auth', async () => {
    let seen: { auth?: string; encoding?: string; body?: BatchRequest } = {};
    answer = (req, res, body) => {
      seen = {
        auth: req.headers.authorization,
        encoding: req.headers['content-encoding'],
        body: JSON.parse(gunzipSync(body).toString()),
      };
      res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/html' }).end('<h1>busy</h1>');
    };
    const transport = createNodeTransport({ writeKey: 'wk_test', host: serverUrl, gzip: true });
    const error = await transport.send(batch('Busy', 1)).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 7000, apiCode: null });
    expect(seen.auth).toBe(`Basic ${Buffer.from('wk_test:').toString('base64')}`);
    expect(seen.encoding).toBe('gzip');
    expect(seen.body?.batch[0]?.messageId).toBe('Busy-0');
  });

  it('takes a 2xx without a readable body as acknowledging the whole batch', async () => {
    answer = (_req, res) => res.writeHead(204).end();
    const transport = createNodeTransport({ writeKey: 'wk_test', host: serverUrl });
    expect(await transport.send(batch('Empty', 3))).toEqual({
      success: true,
      accepted: 3,
      duplicates: 0,
      suppressed: 0,
      rejected: [],
    });
  });

  it('throws NetworkError when nothing listens, and when the answer takes longer than the timeout', async () => {
    const refused = createNodeTransport({ writeKey: 'wk', host: `http://127.0.0.1:${await freePort()}` });
    await expect(refused.send(batch('Nobody'))).rejects.toBeInstanceOf(NetworkError);

    answer = () => {}; // never answers
    const slow = createNodeTransport({ writeKey: 'wk', host: serverUrl, requestTimeoutMs: 100 });
    await expect(slow.send(batch('Slow'))).rejects.toBeInstanceOf(NetworkError);
  });
});
