/**
 * Test helpers: a real collector on a loopback port with a SQLite file in a
 * fresh temp folder, and small HTTP helpers around fetch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningCollector, type StartCollectorOptions, startCollector } from '../server.js';

export interface TestCollector extends RunningCollector {
  dir: string;
  /** POST JSON with the write key as Basic auth (unless headers say otherwise). */
  send(path: string, body: unknown, init?: { headers?: Record<string, string> }): Promise<Response>;
  /** GET with the admin key as Bearer. */
  admin(path: string): Promise<Response>;
  stop(): Promise<void>;
}

/** How a test body starts its collector: `startTestCollector` (SQLite), or one on PostgreSQL (`test/postgres.ts`). */
export type StartTestCollector = (options?: StartCollectorOptions) => Promise<TestCollector>;

export const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

export async function startTestCollector(options: StartCollectorOptions = {}): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-collector-'));
  const collector = await startCollector({ port: 0, db: join(dir, 'exhaust.db'), logLevel: 'silent', ...options });
  return {
    ...collector,
    dir,
    send: (path, body, init = {}) =>
      fetch(`${collector.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(collector.writeKey), ...init.headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    admin: (path) => fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${collector.adminKey}` } }),
    async stop() {
      await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let sequence = 0;
/** A valid track message with a unique messageId. */
export function track(extra: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `msg-${process.pid}-${sequence}`,
    anonymousId: `anon-${process.pid}-${sequence}`,
    properties: { total: 12.5 },
    timestamp: new Date().toISOString(),
    ...extra,
  };
}
