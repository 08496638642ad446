/**
 * Test support for the identity end-to-end tests: a real collector
 * (`startCollector` on 127.0.0.1:0 with the worker-thread SQLite store and
 * group commit, a real file in a temp dir) and a tiny HTTP client for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '@exhaust/schema';
import type { IdentityConfigInput } from '../identity/config.js';
import { startCollector } from '../server.js';

export const WRITE_KEY = 'wk_identity_e2e_0123456789';
export const ADMIN_KEY = 'ak_identity_e2e_0123456789';

export interface TestCollector {
  url: string;
  /** The SQLite file, for the few checks the API does not expose (erasure counters). */
  dbFile: string;
  /** POST /v1/batch with the write key; answers the parsed JSON (throws on non-2xx). */
  send(...messages: Record<string, unknown>[]): Promise<{ accepted: number; duplicates: number; rejected: unknown[] }>;
  /** An admin request; answers status and parsed JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** GET /v1/profiles/{ref}, throwing unless 200. */
  profile(ref: string): Promise<Profile>;
  /** Every event messageId of the profile's timeline, newest first (walks all pages). */
  timeline(ref: string): Promise<string[]>;
  close(): Promise<void>;
}

let messageCounter = 0;

/** A message with a fresh messageId and the given fields. */
export function msg(fields: Record<string, unknown>): Record<string, unknown> {
  messageCounter += 1;
  return { messageId: `e2e-${process.pid}-${messageCounter}`, timestamp: new Date().toISOString(), ...fields };
}

export async function startTestCollector(identity: IdentityConfigInput = {}): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-identity-'));
  const dbFile = join(dir, 'exhaust.db');
  // The production path: the config object is validated (identity included) and the worker store opened.
  const running = await startCollector({
    port: 0,
    db: dbFile,
    logLevel: 'silent',
    config: {
      sources: [{ name: 'web', writeKey: WRITE_KEY, allowedOrigins: ['*'] }],
      adminKeys: [ADMIN_KEY],
      identity,
    },
  });
  const url = running.url;
  const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

  const admin: TestCollector['admin'] = async (method, path, body) => {
    const response = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };

  return {
    url,
    dbFile,
    async send(...messages) {
      const response = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify({ batch: messages }),
      });
      const body = (await response.json()) as Awaited<ReturnType<TestCollector['send']>>;
      if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(body)}`);
      return body;
    },
    admin,
    async profile(ref) {
      const { status, body } = await admin('GET', `/v1/profiles/${encodeURIComponent(ref)}`);
      if (status !== 200) throw new Error(`profile ${ref} answered ${status}: ${JSON.stringify(body)}`);
      return body;
    },
    async timeline(ref) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const { status, body } = await admin('GET', `/v1/profiles/${encodeURIComponent(ref)}/events?${query}`);
        if (status !== 200) throw new Error(`timeline ${ref} answered ${status}: ${JSON.stringify(body)}`);
        ids.push(...body.data.map((event: { messageId: string }) => event.messageId));
        cursor = body.nextCursor;
      } while (cursor);
      return ids;
    },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
