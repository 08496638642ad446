/**
 * Webhook endpoints in PostgreSQL: create, read, patch, delete, rotate the
 * secret, queue a test ping. Every write that changes what is enqueued first
 * takes the endpoints lock exclusive and bumps the version: it waits for the
 * transactions enqueueing with the old set (they hold the lock shared, see
 * outbox.ts), and later ones wait for it. Taking it first keeps the lock order
 * the same everywhere (the endpoints lock, then rows).
 */
import type { WebhookBodyType, WebhookEndpoint } from '@exhaust/schema';
import { newDeliveryId } from '../../outbox-payloads.js';
import type { CreateWebhookInput, RotateSecretInput, WebhookPatch } from '../../store.js';
import { type EndpointRow, toWebhookEndpoint } from '../../webhook-rows.js';
import type { Queryable } from '../pool.js';
import { ENDPOINTS_LOCK_KEY } from './outbox.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Takes the endpoints lock exclusive and moves the version on: enqueueing transactions reload their set. */
export async function bumpEndpointsVersion(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [ENDPOINTS_LOCK_KEY]);
  await db.query('UPDATE webhook_meta SET endpoints_version = endpoints_version + 1 WHERE id = 1');
}

/**
 * Fails what an endpoint still had waiting (replayable), except deliveries in flight under a live
 * lease: their attempt is recorded, then they fail since the endpoint is disabled.
 */
export async function failPending(db: Queryable, endpointId: string, now: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'failed', next_attempt_ms = NULL, lease_owner = NULL, lease_until_ms = NULL
     WHERE endpoint_id = $1 AND status = 'pending' AND (lease_until_ms IS NULL OR lease_until_ms <= $2)`,
    [endpointId, now],
  );
}

async function endpointRow(db: Queryable, id: string, lock = false): Promise<EndpointRow | undefined> {
  const { rows } = await db.query<EndpointRow>(
    `SELECT * FROM webhook_endpoints WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

async function insertSecret(db: Queryable, endpointId: string, secret: string, now: number): Promise<void> {
  await db.query(
    'INSERT INTO webhook_secrets (endpoint_id, secret, created_ms, expires_ms) VALUES ($1, $2, $3, NULL)',
    [endpointId, secret, now],
  );
}

export async function createWebhook(db: Queryable, input: CreateWebhookInput): Promise<WebhookEndpoint> {
  await bumpEndpointsVersion(db);
  const { rows } = await db.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, url, events, filter, description, enabled, created_ms, updated_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
    [
      input.id,
      input.url,
      JSON.stringify(input.events),
      input.filter ? JSON.stringify(input.filter) : null,
      input.description,
      input.enabled,
      input.now,
    ],
  );
  await insertSecret(db, input.id, input.secret, input.now);
  return toWebhookEndpoint(rows[0]!);
}

export async function listWebhooks(db: Queryable): Promise<WebhookEndpoint[]> {
  const { rows } = await db.query<EndpointRow>('SELECT * FROM webhook_endpoints ORDER BY created_ms, id');
  return rows.map(toWebhookEndpoint);
}

export async function getWebhook(db: Queryable, id: string): Promise<WebhookEndpoint | null> {
  const row = await endpointRow(db, id);
  return row ? toWebhookEndpoint(row) : null;
}

export async function updateWebhook(
  db: Queryable,
  id: string,
  patch: WebhookPatch,
  now: number,
): Promise<WebhookEndpoint | null> {
  await bumpEndpointsVersion(db);
  const row = await endpointRow(db, id, true);
  if (!row) return null;
  const enabled = patch.enabled ?? row.enabled === true;
  const reenabled = enabled && row.enabled === false;
  const { rows } = await db.query<EndpointRow>(
    `UPDATE webhook_endpoints SET url = $1, events = $2, filter = $3, description = $4, enabled = $5,
       disabled_reason = $6, failing_since_ms = $7, updated_ms = $8 WHERE id = $9 RETURNING *`,
    [
      patch.url ?? row.url,
      patch.events ? JSON.stringify(patch.events) : row.events,
      patch.filter === undefined ? row.filter : patch.filter === null ? null : JSON.stringify(patch.filter),
      patch.description === undefined ? row.description : patch.description,
      enabled,
      enabled ? null : row.disabled_reason,
      reenabled ? null : row.failing_since_ms,
      now,
      id,
    ],
  );
  // Disabled by the operator: what was waiting fails now (replayable), like after a 410.
  if (!enabled && row.enabled === true) await failPending(db, id, now);
  return toWebhookEndpoint(rows[0]!);
}

export async function deleteWebhook(db: Queryable, id: string): Promise<boolean> {
  await bumpEndpointsVersion(db);
  // Its deliveries, their attempts and named profiles go with it (ON DELETE CASCADE).
  return ((await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

export async function rotateWebhookSecret(db: Queryable, input: RotateSecretInput): Promise<boolean> {
  // The endpoint's row lock orders two rotations of one endpoint (no version bump: the set is unchanged).
  if (!(await endpointRow(db, input.id, true))) return false;
  await db.query('DELETE FROM webhook_secrets WHERE endpoint_id = $1 AND expires_ms <= $2', [input.id, input.now]);
  const until = input.now + input.overlapMs;
  await db.query(
    'UPDATE webhook_secrets SET expires_ms = $1 WHERE endpoint_id = $2 AND (expires_ms IS NULL OR expires_ms > $1)',
    [until, input.id],
  );
  await insertSecret(db, input.id, input.secret, input.now);
  return true;
}

/** A test ping for one endpoint, whatever it subscribes to; null when there is no such endpoint. */
export async function enqueueWebhook(
  db: Queryable,
  input: { endpointId: string; type: WebhookBodyType; data: unknown; now: number },
): Promise<string | null> {
  const id = newDeliveryId();
  const body = JSON.stringify({ type: input.type, timestamp: iso(input.now), data: input.data });
  const { rowCount } = await db.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, type, payload, status, next_attempt_ms, created_ms)
     SELECT $1, id, $2, $3, 'pending', $4, $4 FROM webhook_endpoints WHERE id = $5`,
    [id, input.type, body, input.now, input.endpointId],
  );
  return (rowCount ?? 0) > 0 ? id : null;
}
