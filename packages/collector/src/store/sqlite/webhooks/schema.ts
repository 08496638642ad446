/**
 * The webhook tables (issue 10): endpoints with their signing secrets, and the
 * outbox of deliveries with every attempt. Deliveries are written in the same
 * transaction as the change that causes them; the delivery worker leases due
 * rows. Times are epoch milliseconds.
 */

/** SQL of the webhooks migration, appended to `MIGRATIONS`. */
export const WEBHOOKS_MIGRATION_SQL = `
  -- One row: bumped by every endpoint write, so ingest reloads its cached endpoint list only then.
  CREATE TABLE webhook_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    endpoints_version INTEGER NOT NULL
  );
  INSERT INTO webhook_meta (id, endpoints_version) VALUES (1, 0);

  -- events and filter are JSON. failing_since_ms: first failed attempt since the last success.
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    filter TEXT,
    description TEXT,
    enabled INTEGER NOT NULL,
    disabled_reason TEXT,
    failing_since_ms INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Signing secrets; expires_ms is set on the older ones when a new one is rotated in.
  CREATE TABLE webhook_secrets (
    id INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER
  );
  CREATE INDEX webhook_secrets_endpoint ON webhook_secrets (endpoint_id);

  -- The outbox. seq is the enqueue order (and the page cursor); id is the webhook-id header.
  -- payload is the body exactly as sent. ordering_key (profile and audience, or profile and
  -- trait) with seq orders deliveries of one key to one endpoint. round_start: attempts made
  -- before the last manual retry or replay (the retry schedule restarts there).
  CREATE TABLE webhook_deliveries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    round_start INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER,
    lease_owner TEXT,
    lease_until_ms INTEGER,
    created_ms INTEGER NOT NULL,
    ordering_key TEXT,
    ordering_seq INTEGER
  );
  -- Claims and the alarm read due rows per endpoint; leases are counted per endpoint.
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_ms, seq) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (endpoint_id, lease_until_ms)
    WHERE lease_owner IS NOT NULL;
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
  CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, ordering_key, seq)
    WHERE status = 'pending' AND ordering_key IS NOT NULL;

  CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_seq INTEGER NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
    at_ms INTEGER NOT NULL,
    status_code INTEGER,
    duration_ms INTEGER NOT NULL,
    response TEXT,
    error TEXT
  );
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_seq);
`;

/**
 * SQL of the webhook health migration: when an endpoint last succeeded and last failed (any attempt),
 * so the console shows an endpoint's health without reading its attempts. Filled from the attempts so far.
 */
export const WEBHOOK_HEALTH_MIGRATION_SQL = `
  ALTER TABLE webhook_endpoints ADD COLUMN last_success_ms INTEGER;
  ALTER TABLE webhook_endpoints ADD COLUMN last_failure_ms INTEGER;
  UPDATE webhook_endpoints SET
    last_success_ms = (SELECT MAX(a.at_ms) FROM webhook_attempts a JOIN webhook_deliveries d ON d.seq = a.delivery_seq
      WHERE d.endpoint_id = webhook_endpoints.id AND a.status_code BETWEEN 200 AND 299),
    last_failure_ms = (SELECT MAX(a.at_ms) FROM webhook_attempts a JOIN webhook_deliveries d ON d.seq = a.delivery_seq
      WHERE d.endpoint_id = webhook_endpoints.id AND (a.status_code IS NULL OR a.status_code NOT BETWEEN 200 AND 299));
`;

/**
 * Which profiles a delivery's payload names, so an erasure can take those deliveries (pending or
 * sent, with their attempts) out of the outbox: the person's data must not go out after it, nor
 * stay readable in delivery listings.
 */
export const WEBHOOK_DELIVERY_PROFILES_MIGRATION_SQL = `
  CREATE TABLE webhook_delivery_profiles (
    profile_id TEXT NOT NULL,
    delivery_seq INTEGER NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
    PRIMARY KEY (profile_id, delivery_seq)
  ) WITHOUT ROWID;
  CREATE INDEX webhook_delivery_profiles_delivery ON webhook_delivery_profiles (delivery_seq);
`;
