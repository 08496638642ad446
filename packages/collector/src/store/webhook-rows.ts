/**
 * The webhook rows both stores read back the same way (times in epoch
 * milliseconds, `events` and `filter` as JSON text), and their one mapping to
 * the wire types: the SQL differs per engine, the meaning of a row does not.
 */
import type {
  WebhookAttempt,
  WebhookBodyType,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
} from '@exhaust/schema';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** A row of `webhook_endpoints` (SQLite keeps `enabled` as 0/1, PostgreSQL as a boolean). */
export interface EndpointRow {
  id: string;
  url: string;
  events: string;
  filter: string | null;
  description: string | null;
  enabled: number | boolean;
  disabled_reason: string | null;
  failing_since_ms: number | null;
  last_success_ms: number | null;
  last_failure_ms: number | null;
  created_ms: number;
  updated_ms: number;
}

/** A row of `webhook_deliveries`. */
export interface DeliveryRow {
  seq: number;
  id: string;
  endpoint_id: string;
  type: WebhookBodyType;
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  round_start: number;
  next_attempt_ms: number | null;
  lease_owner: string | null;
  lease_until_ms: number | null;
  created_ms: number;
  ordering_key: string | null;
}

/** A row of `webhook_attempts`. */
export interface AttemptRow {
  delivery_seq: number;
  at_ms: number;
  status_code: number | null;
  duration_ms: number;
  response: string | null;
  error: string | null;
}

export function toWebhookEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events),
    filter: row.filter === null ? null : JSON.parse(row.filter),
    description: row.description,
    enabled: row.enabled === true || row.enabled === 1,
    disabledReason: row.disabled_reason,
    health: {
      lastSuccessAt: isoOrNull(row.last_success_ms),
      lastFailureAt: isoOrNull(row.last_failure_ms),
      failingSince: isoOrNull(row.failing_since_ms),
    },
    createdAt: iso(row.created_ms),
    updatedAt: iso(row.updated_ms),
  };
}

/** Deliveries with their attempts (attempt rows in delivery then attempt order). */
export function toWebhookDeliveries(rows: DeliveryRow[], attemptRows: AttemptRow[]): WebhookDelivery[] {
  const attempts = new Map<number, WebhookAttempt[]>();
  for (const row of attemptRows) {
    const list = attempts.get(row.delivery_seq) ?? [];
    list.push({
      at: iso(row.at_ms),
      statusCode: row.status_code,
      durationMs: row.duration_ms,
      response: row.response,
      error: row.error,
    });
    attempts.set(row.delivery_seq, list);
  }
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    type: row.type,
    status: row.status,
    attempts: attempts.get(row.seq) ?? [],
    nextAttemptAt: row.status === 'pending' && row.next_attempt_ms !== null ? iso(row.next_attempt_ms) : null,
    createdAt: iso(row.created_ms),
    payload: row.payload,
  }));
}
