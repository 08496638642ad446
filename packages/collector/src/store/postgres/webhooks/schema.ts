/**
 * The webhook tables in PostgreSQL (migration 5), mirroring the SQLite ones
 * (its migrations 10, 12 and 13 in one): endpoints with their signing secrets
 * and health, the outbox of deliveries with every attempt, and the profiles
 * each delivery names (for erasure). Times are epoch milliseconds (bigint),
 * `events`/`filter`/`payload` JSON text, so every wire value is byte-identical
 * to SQLite's.
 */

/** SQL of migration version 5. */
export const WEBHOOKS_MIGRATION_SQL = `
  -- One row, bumped by every endpoint write under the endpoints advisory lock (see webhooks/outbox.ts):
  -- a collector reloads its cached endpoint set only when it moved.
  CREATE TABLE webhook_meta (
    id integer PRIMARY KEY CHECK (id = 1),
    endpoints_version bigint NOT NULL
  );
  INSERT INTO webhook_meta (id, endpoints_version) VALUES (1, 0);

  -- failing_since_ms: first failed attempt since the last success.
  CREATE TABLE webhook_endpoints (
    id text PRIMARY KEY,
    url text NOT NULL,
    events text NOT NULL,
    filter text,
    description text,
    enabled boolean NOT NULL,
    disabled_reason text,
    failing_since_ms bigint,
    last_success_ms bigint,
    last_failure_ms bigint,
    created_ms bigint NOT NULL,
    updated_ms bigint NOT NULL
  );

  -- Signing secrets; expires_ms is set on the older ones when a new one is rotated in.
  CREATE TABLE webhook_secrets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    secret text NOT NULL,
    created_ms bigint NOT NULL,
    expires_ms bigint
  );
  CREATE INDEX webhook_secrets_endpoint ON webhook_secrets (endpoint_id);

  -- The outbox. seq is the enqueue order (and the page cursor); id is the webhook-id header;
  -- payload is the body exactly as sent. ordering_key with seq orders the deliveries of one key
  -- to one endpoint (its producers enqueue under the profile's lock, so seq follows commit order
  -- per key). round_start: attempts made before the last manual retry or replay. While leased,
  -- next_attempt_ms is the lease's end, so MIN(next_attempt_ms) is the alarm.
  CREATE TABLE webhook_deliveries (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    type text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    round_start integer NOT NULL DEFAULT 0,
    next_attempt_ms bigint,
    lease_owner text,
    lease_until_ms bigint,
    created_ms bigint NOT NULL,
    ordering_key text,
    ordering_seq bigint
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_ms, seq)
    WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (endpoint_id, lease_until_ms)
    WHERE lease_owner IS NOT NULL;
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
  CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, ordering_key, seq)
    WHERE status = 'pending' AND ordering_key IS NOT NULL;

  CREATE TABLE webhook_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_seq bigint NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
    at_ms bigint NOT NULL,
    status_code integer,
    duration_ms integer NOT NULL,
    response text,
    error text
  );
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_seq);

  -- Which profiles a delivery's payload names: an erasure takes those deliveries (pending or
  -- sent, with their attempts) out of the outbox.
  CREATE TABLE webhook_delivery_profiles (
    profile_id text NOT NULL,
    delivery_seq bigint NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
    PRIMARY KEY (profile_id, delivery_seq)
  );
  CREATE INDEX webhook_delivery_profiles_delivery ON webhook_delivery_profiles (delivery_seq);
`;
