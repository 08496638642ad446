/**
 * The outbox's deliveries in PostgreSQL: listing, manual retry and replay,
 * and the delivery workers' side shared by every collector. A claim takes, per
 * enabled endpoint with due rows, that endpoint's claim lock (a transaction
 * advisory lock, tried, never waited for: another collector claiming for it
 * now is skipped, as SKIP LOCKED skips rows), so the leases it counts against
 * the per-endpoint cap stay true until it commits; the rows themselves are
 * picked FOR UPDATE SKIP LOCKED and leased. A row whose lease ran out is due
 * again (its next_attempt_ms is the lease's end), so a dead collector's
 * deliveries go to another one: delivery is at least once.
 */
import type { Page, WebhookDelivery } from '@exhaust/schema';
import { decodeCursor, encodeCursor } from '../../cursor.js';
import type { ClaimDeliveriesInput, ClaimedDelivery, DeliveryQuery, RecordAttemptInput } from '../../store.js';
import { type AttemptRow, type DeliveryRow, toWebhookDeliveries } from '../../webhook-rows.js';
import { lockKeyOf } from '../locks.js';
import type { Queryable } from '../pool.js';
import { bumpEndpointsVersion, failPending } from './endpoints.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The claim lock of one endpoint (bigint advisory key space; a collision only makes a claimer skip a turn). */
export const endpointClaimLockKey = (endpointId: string) => lockKeyOf(`webhook-endpoint:${endpointId}`);

export async function listDeliveries(
  db: Queryable,
  endpointId: string,
  query: DeliveryQuery,
): Promise<Page<WebhookDelivery> | null> {
  if ((await db.query('SELECT 1 FROM webhook_endpoints WHERE id = $1', [endpointId])).rowCount === 0) return null;
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const { rows } = await db.query<DeliveryRow>(
    `SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND seq < $2 AND ($3::text IS NULL OR status = $3)
     ORDER BY seq DESC LIMIT $4`,
    [endpointId, before, query.status ?? null, query.limit + 1],
  );
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const attempts = (
    await db.query<AttemptRow>(
      'SELECT * FROM webhook_attempts WHERE delivery_seq = ANY($1::bigint[]) ORDER BY delivery_seq, id',
      [page.map((row) => row.seq)],
    )
  ).rows;
  return {
    data: toWebhookDeliveries(page, attempts),
    nextCursor: more && page.length > 0 ? encodeCursor(page.at(-1)!.seq) : null,
  };
}

/** Sends one delivery again (whatever its status); the retry schedule restarts. */
export async function retryDelivery(
  db: Queryable,
  input: { endpointId: string; deliveryId: string; now: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = $1, round_start = attempts,
       lease_owner = NULL, lease_until_ms = NULL WHERE endpoint_id = $2 AND id = $3`,
    [input.now, input.endpointId, input.deliveryId],
  );
  return (rowCount ?? 0) > 0;
}

/** Re-queues the endpoint's failed deliveries created in [since, until); null when there is no such endpoint. */
export async function replayDeliveries(
  db: Queryable,
  input: { endpointId: string; since: number; until: number; now: number },
): Promise<number | null> {
  if ((await db.query('SELECT 1 FROM webhook_endpoints WHERE id = $1', [input.endpointId])).rowCount === 0) {
    return null;
  }
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = $1, round_start = attempts
     WHERE endpoint_id = $2 AND status = 'failed' AND created_ms >= $3 AND created_ms < $4`,
    [input.now, input.endpointId, input.since, input.until],
  );
  return rowCount ?? 0;
}

const SQL = {
  dueEndpoints: `SELECT e.id, e.url FROM webhook_endpoints e WHERE e.enabled AND EXISTS (
      SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_ms <= $1)
    ORDER BY e.created_ms, e.id`,
  tryLock: 'SELECT pg_try_advisory_xact_lock($1::bigint) AS locked',
  // Free slots = the cap minus live leases (counted under the endpoint's claim lock); a row waits
  // while an earlier one of its ordering key is pending (leased or not, locked or not).
  lease: `WITH room AS (
      SELECT GREATEST(LEAST($3::int - count(*)::int, $4::int), 0) AS n FROM webhook_deliveries
      WHERE endpoint_id = $1 AND lease_owner IS NOT NULL AND lease_until_ms > $2),
    picked AS (
      SELECT d.seq, d.next_attempt_ms AS due FROM webhook_deliveries d
      WHERE d.endpoint_id = $1 AND d.status = 'pending' AND d.next_attempt_ms <= $2
        AND (d.ordering_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = $1 AND e.ordering_key = d.ordering_key
            AND e.status = 'pending' AND e.seq < d.seq))
      ORDER BY d.next_attempt_ms, d.seq LIMIT (SELECT n FROM room)
      FOR UPDATE OF d SKIP LOCKED)
    UPDATE webhook_deliveries w SET lease_owner = $5, lease_until_ms = $6, next_attempt_ms = $6
    FROM picked WHERE w.seq = picked.seq
    RETURNING w.seq, w.id, w.payload, w.attempts, w.round_start, picked.due`,
  secrets: `SELECT secret FROM webhook_secrets WHERE endpoint_id = $1 AND (expires_ms IS NULL OR expires_ms > $2)
    ORDER BY id DESC`,
} as const;

/** Per enabled endpoint with due rows: as many as it has free slots, skipping rows waiting behind their key. */
export async function claimDeliveries(db: Queryable, input: ClaimDeliveriesInput): Promise<ClaimedDelivery[]> {
  const { now, owner, leaseMs, limit, concurrencyPerEndpoint } = input;
  const claimed: ClaimedDelivery[] = [];
  const endpoints = (
    await db.query<{ id: string; url: string }>({
      name: 'webhooks_due_endpoints',
      text: SQL.dueEndpoints,
      values: [now],
    })
  ).rows;
  for (const endpoint of endpoints) {
    if (claimed.length >= limit) break;
    const { rows: lock } = await db.query<{ locked: boolean }>({
      name: 'webhooks_try_claim_lock',
      text: SQL.tryLock,
      values: [endpointClaimLockKey(endpoint.id)],
    });
    if (!lock[0]!.locked) continue;
    const { rows } = await db.query<{
      seq: number;
      id: string;
      payload: string;
      attempts: number;
      round_start: number;
      due: number;
    }>({
      name: 'webhooks_lease',
      text: SQL.lease,
      values: [endpoint.id, now, concurrencyPerEndpoint, limit - claimed.length, owner, now + leaseMs],
    });
    if (rows.length === 0) continue;
    rows.sort((a, b) => a.due - b.due || a.seq - b.seq);
    const secrets = (
      await db.query<{ secret: string }>({
        name: 'webhooks_secrets',
        text: SQL.secrets,
        values: [endpoint.id, now],
      })
    ).rows.map((row) => row.secret);
    for (const row of rows) {
      claimed.push({
        id: row.id,
        endpointId: endpoint.id,
        url: endpoint.url,
        payload: row.payload,
        attemptsInRound: row.attempts - row.round_start,
        secrets,
      });
    }
  }
  return claimed;
}

/** An endpoint to disable after an attempt, done in a transaction of its own (see `disableEndpoint`). */
export interface DisableDecision {
  endpointId: string;
  reason: string;
  at: number;
  /** Set for "failing too long": disable only if the failing streak is still this one. */
  failingSince?: number;
}

/**
 * Records one attempt of a delivery this owner still leases (a late report from an owner whose
 * lease was taken over is ignored), settles it, and updates the endpoint's health. Answers the
 * endpoint to disable, if the verdict calls for it.
 */
export async function recordAttempt(db: Queryable, input: RecordAttemptInput): Promise<DisableDecision | null> {
  const { rows } = await db.query<{ seq: number; endpoint_id: string; enabled: boolean }>({
    name: 'webhooks_record_target',
    text: `SELECT d.seq, d.endpoint_id, e.enabled FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
           WHERE d.id = $1 AND d.status = 'pending' AND d.lease_owner = $2 FOR UPDATE OF d`,
    values: [input.id, input.owner],
  });
  const row = rows[0];
  if (!row) return null;
  await db.query({
    name: 'webhooks_insert_attempt',
    text: `INSERT INTO webhook_attempts (delivery_seq, at_ms, status_code, duration_ms, response, error)
           VALUES ($1, $2, $3, $4, $5, $6)`,
    values: [row.seq, input.at, input.statusCode, input.durationMs, input.response, input.error],
  });
  const verdict = input.verdict;
  // An endpoint disabled while this attempt ran gets no more attempts.
  const retry = verdict.kind === 'retry' && row.enabled;
  const status = verdict.kind === 'delivered' ? 'delivered' : retry ? 'pending' : 'failed';
  await db.query({
    name: 'webhooks_settle',
    text: `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_ms = $2, lease_owner = NULL,
             lease_until_ms = NULL WHERE seq = $3`,
    values: [status, retry && verdict.kind === 'retry' ? verdict.at : null, row.seq],
  });
  if (verdict.kind === 'delivered') {
    await db.query({
      name: 'webhooks_succeeded',
      text: `UPDATE webhook_endpoints SET last_success_ms = GREATEST(COALESCE(last_success_ms, 0), $1),
               failing_since_ms = NULL WHERE id = $2`,
      values: [input.at, row.endpoint_id],
    });
    return null;
  }
  const { rows: health } = await db.query<{ enabled: boolean; failing_since_ms: number }>({
    name: 'webhooks_failed',
    text: `UPDATE webhook_endpoints SET last_failure_ms = GREATEST(COALESCE(last_failure_ms, 0), $1),
             failing_since_ms = COALESCE(failing_since_ms, $1) WHERE id = $2 RETURNING enabled, failing_since_ms`,
    values: [input.at, row.endpoint_id],
  });
  const endpoint = health[0];
  if (!endpoint?.enabled) return null;
  if (verdict.kind === 'gone') return { endpointId: row.endpoint_id, reason: verdict.reason, at: input.at };
  if (input.at - endpoint.failing_since_ms >= input.disableAfterMs) {
    return {
      endpointId: row.endpoint_id,
      reason: `every delivery failed since ${iso(endpoint.failing_since_ms)}`,
      at: input.at,
      failingSince: endpoint.failing_since_ms,
    };
  }
  return null;
}

/**
 * Disables an endpoint and fails what it had waiting. Its own transaction, the endpoints lock first
 * (like every endpoint write), so it never holds delivery rows while waiting for that lock.
 */
export async function disableEndpoint(db: Queryable, decision: DisableDecision): Promise<void> {
  await bumpEndpointsVersion(db);
  const { rowCount } = await db.query(
    `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $1, updated_ms = $2
     WHERE id = $3 AND enabled AND ($4::bigint IS NULL OR failing_since_ms = $4)`,
    [decision.reason, decision.at, decision.endpointId, decision.failingSince ?? null],
  );
  if ((rowCount ?? 0) > 0) await failPending(db, decision.endpointId, decision.at);
}

/** Only enabled endpoints' rows: what a disabled endpoint keeps pending must not wake the alarm. */
export async function nextDeliveryAt(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ next: number | null }>({
    name: 'webhooks_next_due',
    text: `SELECT min(d.next_attempt_ms) AS next FROM webhook_endpoints e CROSS JOIN LATERAL (
             SELECT next_attempt_ms FROM webhook_deliveries WHERE endpoint_id = e.id AND status = 'pending'
             ORDER BY next_attempt_ms LIMIT 1) d WHERE e.enabled`,
  });
  return rows[0]?.next ?? null;
}
