/**
 * Test support for the activation HTTP tests: admin requests with a JSON
 * body, sending events with chosen timestamps, and waiting for audience
 * changes (the scheduler works on its own clock, so tests poll the feed).
 */
import type { AudienceChange } from '@exhaust/schema';
import type { TestCollector } from '../test/harness.js';

/** How often a test looks at the change feed while it waits. */
export const POLL_INTERVAL_MS = 25;

let counter = 0;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
export type Json = any;

/** An admin request; answers status and parsed JSON (null for an empty body). */
export async function admin(
  collector: TestCollector,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** POST succeeds or throws with the answer. */
export async function create(collector: TestCollector, path: string, body: unknown): Promise<Json> {
  const answer = await admin(collector, 'POST', path, body);
  if (answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A track event (fresh messageId) by `anonymousId`, at `at` (epoch ms, default now). */
export function trackAt(
  anonymousId: string,
  event: string,
  at = Date.now(),
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  counter += 1;
  return {
    type: 'track',
    event,
    anonymousId,
    messageId: `act-${process.pid}-${counter}`,
    timestamp: new Date(at).toISOString(),
    properties: {},
    ...extra,
  };
}

/** Sends messages in one batch; throws unless every one was stored (or a known duplicate). */
export async function send(collector: TestCollector, ...messages: Record<string, unknown>[]): Promise<Json> {
  const response = await collector.send('/v1/batch', { batch: messages });
  const body = (await response.json()) as Json;
  if (response.status !== 200 || body.rejected.length > 0) throw new Error(`batch: ${JSON.stringify(body)}`);
  return body;
}

/** GET /v1/profiles/{ref} (URL-encoded), throwing unless 200. */
export async function profile(collector: TestCollector, ref: string): Promise<Json> {
  const answer = await admin(collector, 'GET', `/v1/profiles/${encodeURIComponent(ref)}`);
  if (answer.status !== 200) throw new Error(`profile ${ref}: ${answer.status}`);
  return answer.body;
}

/** Every change of the audience so far. */
export async function changes(collector: TestCollector, key: string): Promise<AudienceChange[]> {
  const all: AudienceChange[] = [];
  let since = '';
  for (;;) {
    const answer = await admin(collector, 'GET', `/v1/audiences/${key}/changes?limit=1000${since}`);
    if (answer.status !== 200) throw new Error(`changes ${key}: ${answer.status}`);
    all.push(...answer.body.data);
    if (answer.body.data.length < 1000) return all;
    since = `&since=${answer.body.nextCursor}`;
  }
}

/** Polls the audience's change feed until `done` holds (or throws after `timeoutMs`). */
export async function waitForChanges(
  collector: TestCollector,
  key: string,
  done: (all: AudienceChange[]) => boolean,
  timeoutMs = 10_000,
): Promise<AudienceChange[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await changes(collector, key);
    if (done(all)) return all;
    if (Date.now() > deadline) throw new Error(`changes of ${key} never matched: ${JSON.stringify(all)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Waits until every definition is live (the backfill finished). */
export async function waitLive(collector: TestCollector, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [traits, audiences] = await Promise.all([
      admin(collector, 'GET', '/v1/computed-traits'),
      admin(collector, 'GET', '/v1/audiences'),
    ]);
    const all = [...traits.body.data, ...audiences.body.data];
    if (all.every((d: Json) => d.status === 'live')) return;
    if (Date.now() > deadline) throw new Error('definitions never became live');
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
