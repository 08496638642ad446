/** What `startCollector` sets up around the app: the data folder's and files' modes, the HTTP timeouts. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from './server.js';

const root = mkdtempSync(join(tmpdir(), 'exhaust-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (path: string) => (existsSync(path) ? (statSync(path).mode & 0o777).toString(8) : 'missing');

describe('data folder', () => {
  it('creates a missing data folder 0700 and the database, WAL, shared memory and keys 0600', async () => {
    const dataDir = join(root, 'fresh', 'data');
    const db = join(dataDir, 'exhaust.db');
    const collector = await startCollector({ port: 0, db, logLevel: 'silent' });
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect([db, `${db}-wal`, `${db}-shm`, join(dataDir, 'keys.json')].map(modeOf)).toEqual([
        '600',
        '600',
        '600',
        '600',
      ]);
    } finally {
      await collector.close();
    }
  });

  it("leaves an existing folder's mode as the operator set it, and still makes the files 0600", async () => {
    const dataDir = join(root, 'operator');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o750);
    const db = join(dataDir, 'exhaust.db');
    const collector = await startCollector({ port: 0, db, logLevel: 'silent' });
    try {
      expect(modeOf(dataDir)).toBe('750');
      expect([db, `${db}-wal`, `${db}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
    } finally {
      await collector.close();
    }
  });
});

/**
 * How long a slow client may hold a connection before a test fails. Far above
 * the tiny timeouts configured below and far below Node's own defaults (60 s for
 * headers, 300 s for a request), so it tells the two apart on a loaded machine.
 */
const CLOSED_WITHIN_MS = 10_000;
/** Pause between two bytes of a trickling client. */
const TRICKLE_EVERY_MS = 100;

interface RawClient {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  closed: Promise<string>;
  /** Resolves with what was received so far once it contains `text` `times` times. */
  received(text: string, times?: number): Promise<string>;
}

function rawClient(port: number): RawClient {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  const waiting: { done: (data: string) => boolean; resolve: (data: string) => void }[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    data += chunk;
    for (const wait of waiting.filter((w) => w.done(data))) wait.resolve(data);
  });
  // A write racing the server's close fails with EPIPE/ECONNRESET: the close is what is tested.
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(data)));
  return {
    socket,
    closed,
    received: (text, times = 1) =>
      new Promise((resolve) => waiting.push({ done: (got) => got.split(text).length > times, resolve })),
  };
}

/** Writes one line every TRICKLE_EVERY_MS until the socket closes. */
function trickle(socket: Socket, line: string): void {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(line);
  }, TRICKLE_EVERY_MS);
  socket.on('close', () => clearInterval(timer));
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('server timeouts', () => {
  let collector: RunningCollector;
  afterAll(() => collector?.close());

  it('closes a connection that trickles its headers, answering 408', async () => {
    collector = await startCollector({
      port: 0,
      db: join(root, 'timeouts', 'exhaust.db'),
      logLevel: 'silent',
      config: { server: { headersTimeoutMs: 500, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 300 } },
    });
    const client = rawClient(collector.port);
    client.socket.write('POST /v1/track HTTP/1.1\r\nHost: localhost\r\n');
    trickle(client.socket, 'x-slow: 1\r\n');
    expect(await within(client.closed, CLOSED_WITHIN_MS, 'trickled headers')).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('closes a connection that trickles its body, answering 408', async () => {
    const client = rawClient(collector.port);
    client.socket.write(
      `POST /v1/track HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\n` +
        `authorization: Basic ${Buffer.from(`${collector.writeKey}:`).toString('base64')}\r\n` +
        'content-length: 100000\r\n\r\n{"batch":[',
    );
    trickle(client.socket, ' ');
    expect(await within(client.closed, CLOSED_WITHIN_MS, 'trickled body')).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const client = rawClient(collector.port);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await within(client.received('{"status":"ok",'), CLOSED_WITHIN_MS, 'answer')).toMatch(/^HTTP\/1\.1 200 /);
    // Node's default is 5 s; 300 ms are configured.
    await within(client.closed, 4_000, 'idle keep-alive connection');
  }, 30_000);
});

describe('maxConnections', () => {
  it('closes connections beyond the limit at once and keeps serving the open one', async () => {
    const collector = await startCollector({
      port: 0,
      db: join(root, 'max-connections', 'exhaust.db'),
      logLevel: 'silent',
      config: { server: { maxConnections: 1 } },
    });
    try {
      const first = rawClient(collector.port);
      const request = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n';
      first.socket.write(request);
      // Answered: the server has counted this connection, which stays open (keep-alive).
      await within(first.received('{"status":"ok",'), CLOSED_WITHIN_MS, 'first answer');
      const second = rawClient(collector.port);
      second.socket.write(request);
      expect(await within(second.closed, CLOSED_WITHIN_MS, 'connection over the limit')).toBe('');
      first.socket.write(request);
      const both = await within(first.received('{"status":"ok",', 2), CLOSED_WITHIN_MS, 'second answer');
      expect(both.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
      first.socket.destroy();
    } finally {
      await collector.close();
    }
  }, 30_000);
});
