/**
 * Webhooks inside the SQLite store (issue 10). The engine calls `enqueue`
 * inside the transaction of each change (an event stored, a merge, an
 * unmerge, an erasure, an audience or computed change), so a delivery exists
 * exactly when its change was committed. The delivery worker (src/webhooks)
 * leases due rows with `claim` and reports each attempt with `record`; no
 * delivery state lives only in a process.
 */
import type {
  Page,
  WebhookBodyType,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEventType,
  WebhookFilter,
} from '@exhaust/schema';
import type { Database, Statement } from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../../cursor.js';
import { matchesEndpoint } from '../../outbox-filter.js';
import { newDeliveryId, type OutboxChange, outboxBody } from '../../outbox-payloads.js';
import type {
  ClaimDeliveriesInput,
  ClaimedDelivery,
  CreateWebhookInput,
  DeliveryQuery,
  RecordAttemptInput,
  RotateSecretInput,
  WebhookPatch,
} from '../../store.js';
import {
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
  toWebhookDeliveries,
  toWebhookEndpoint,
} from '../../webhook-rows.js';

export { WEBHOOK_HEALTH_MIGRATION_SQL, WEBHOOKS_MIGRATION_SQL } from './schema.js';

/** Due rows of one endpoint read per claim for each free slot (the rest wait behind an earlier one of their key). */
const CLAIM_SCAN_FACTOR = 4;

const iso = (ms: number) => new Date(ms).toISOString();

interface CachedEndpoint {
  id: string;
  events: WebhookEventType[];
  filter: WebhookFilter | null;
}

const SQL = {
  version: 'SELECT endpoints_version FROM webhook_meta WHERE id = 1',
  bump: 'UPDATE webhook_meta SET endpoints_version = endpoints_version + 1 WHERE id = 1',
  enabledEndpoints: 'SELECT id, url, events, filter FROM webhook_endpoints WHERE enabled = 1 ORDER BY created_ms, id',
  allEndpoints: 'SELECT * FROM webhook_endpoints ORDER BY created_ms, id',
  endpoint: 'SELECT * FROM webhook_endpoints WHERE id = ?',
  insertEndpoint: `INSERT INTO webhook_endpoints (id, url, events, filter, description, enabled, disabled_reason,
    failing_since_ms, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`,
  updateEndpoint: `UPDATE webhook_endpoints SET url = ?, events = ?, filter = ?, description = ?, enabled = ?,
    disabled_reason = ?, failing_since_ms = ?, updated_ms = ? WHERE id = ?`,
  deleteEndpoint: 'DELETE FROM webhook_endpoints WHERE id = ?',
  insertSecret: 'INSERT INTO webhook_secrets (endpoint_id, secret, created_ms, expires_ms) VALUES (?, ?, ?, NULL)',
  expireSecrets: `UPDATE webhook_secrets SET expires_ms = ? WHERE endpoint_id = ? AND (expires_ms IS NULL OR expires_ms > ?)`,
  dropExpiredSecrets: 'DELETE FROM webhook_secrets WHERE endpoint_id = ? AND expires_ms <= ?',
  secrets: `SELECT secret FROM webhook_secrets WHERE endpoint_id = ? AND (expires_ms IS NULL OR expires_ms > ?)
    ORDER BY id DESC`,
  nameProfile: `INSERT OR IGNORE INTO webhook_delivery_profiles (profile_id, delivery_seq)
    SELECT ?, seq FROM webhook_deliveries WHERE id = ?`,
  forgetProfiles: `DELETE FROM webhook_deliveries WHERE seq IN (SELECT delivery_seq FROM webhook_delivery_profiles
    WHERE profile_id IN (SELECT value FROM json_each(?)))`,
  insertDelivery: `INSERT INTO webhook_deliveries (id, endpoint_id, type, payload, status, next_attempt_ms, created_ms,
    ordering_key, ordering_seq) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
  // next_attempt_ms doubles as the lease's end while leased, so MIN(next_attempt_ms) is the alarm.
  due: `SELECT seq, ordering_key FROM webhook_deliveries
    WHERE endpoint_id = ? AND status = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, seq LIMIT ?`,
  leased: `SELECT COUNT(*) FROM webhook_deliveries
    WHERE endpoint_id = ? AND lease_owner IS NOT NULL AND lease_until_ms > ?`,
  claimedRow: 'SELECT id, payload, attempts, round_start FROM webhook_deliveries WHERE seq = ?',
  earlierPending: `SELECT 1 FROM webhook_deliveries WHERE endpoint_id = ? AND ordering_key = ? AND status = 'pending'
    AND seq < ? LIMIT 1`,
  lease: 'UPDATE webhook_deliveries SET lease_owner = ?, lease_until_ms = ?, next_attempt_ms = ? WHERE seq = ?',
  deliveryById: 'SELECT * FROM webhook_deliveries WHERE id = ?',
  insertAttempt: `INSERT INTO webhook_attempts (delivery_seq, at_ms, status_code, duration_ms, response, error)
    VALUES (?, ?, ?, ?, ?, ?)`,
  settle: `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_ms = ?, lease_owner = NULL,
    lease_until_ms = NULL WHERE seq = ?`,
  failingSince: 'UPDATE webhook_endpoints SET failing_since_ms = ? WHERE id = ?',
  succeeded: 'UPDATE webhook_endpoints SET last_success_ms = MAX(COALESCE(last_success_ms, 0), ?) WHERE id = ?',
  failed: 'UPDATE webhook_endpoints SET last_failure_ms = MAX(COALESCE(last_failure_ms, 0), ?) WHERE id = ?',
  disable: 'UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_ms = ? WHERE id = ?',
  failPending: `UPDATE webhook_deliveries SET status = 'failed', next_attempt_ms = NULL, lease_owner = NULL,
    lease_until_ms = NULL WHERE endpoint_id = ? AND status = 'pending' AND (lease_until_ms IS NULL OR lease_until_ms <= ?)`,
  requeueOne: `UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = ?, round_start = attempts,
    lease_owner = NULL, lease_until_ms = NULL WHERE endpoint_id = ? AND id = ?`,
  replay: `UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = ?, round_start = attempts
    WHERE endpoint_id = ? AND status = 'failed' AND created_ms >= ? AND created_ms < ?`,
  nextDue: "SELECT MIN(next_attempt_ms) FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'",
  attemptsOf: `SELECT * FROM webhook_attempts WHERE delivery_seq IN (SELECT value FROM json_each(?))
    ORDER BY delivery_seq, id`,
  publicId: 'SELECT public_id FROM id_fragments WHERE id = ?',
} as const;

export class SqliteWebhooks {
  readonly #db: Database;
  readonly #sql: Record<keyof typeof SQL, Statement<unknown[]>>;
  #version = -1;
  #endpoints: CachedEndpoint[] = [];
  /** Types some enabled endpoint subscribes to: with no endpoint, every `wants` is one Set lookup. */
  #types = new Set<WebhookBodyType>();

  constructor(db: Database) {
    this.#db = db;
    const prepared: Partial<Record<keyof typeof SQL, Statement<unknown[]>>> = {};
    for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) prepared[name] = db.prepare(SQL[name]);
    this.#sql = prepared as Record<keyof typeof SQL, Statement<unknown[]>>;
    this.refresh();
  }

  /** Reloads the endpoint list when another writer changed it (one indexed read per transaction). */
  refresh(): void {
    const version = this.#sql.version.pluck().get() as number;
    if (version === this.#version) return;
    this.#version = version;
    const rows = this.#sql.enabledEndpoints.all() as Pick<EndpointRow, 'id' | 'events' | 'filter'>[];
    this.#endpoints = rows.map((row) => ({
      id: row.id,
      events: JSON.parse(row.events),
      filter: row.filter === null ? null : JSON.parse(row.filter),
    }));
    this.#types = new Set(this.#endpoints.flatMap((endpoint) => endpoint.events));
  }

  /** Forgets the cache (after a rolled-back endpoint write). */
  forget(): void {
    this.#version = -1;
  }

  /** True when some enabled endpoint subscribes to the type: callers build payloads only then. */
  wants(type: WebhookBodyType): boolean {
    return this.#types.has(type);
  }

  /** Public id of a fragment, for payloads built from the engine's rowids. */
  publicId(fragmentId: number): string | null {
    return (this.#sql.publicId.pluck().get(fragmentId) as string | undefined) ?? null;
  }

  /** Writes one delivery per matching enabled endpoint, due now. Inside the caller's transaction. */
  enqueue(change: OutboxChange, now: number): void {
    if (!this.#types.has(change.type)) return;
    let body: string | null = null;
    for (const endpoint of this.#endpoints) {
      if (!matchesEndpoint(endpoint, change.type, change.facets)) continue;
      body ??= outboxBody(change);
      const id = this.#insertDelivery(endpoint.id, change.type, body, now, change.ordering);
      for (const profileId of change.profiles ?? []) {
        if (profileId !== null) this.#sql.nameProfile.run(profileId, id);
      }
    }
  }

  /**
   * Erasure: every delivery whose payload names one of these profiles leaves the outbox, pending
   * or sent, with its attempts. Answers how many. Inside the caller's transaction.
   */
  forgetProfiles(profileIds: string[]): number {
    if (profileIds.length === 0) return 0;
    return this.#sql.forgetProfiles.run(JSON.stringify(profileIds)).changes;
  }

  #insertDelivery(
    endpointId: string,
    type: WebhookBodyType,
    body: string,
    now: number,
    ordering?: { key: string; seq: number | null },
  ): string {
    const id = newDeliveryId();
    this.#sql.insertDelivery.run(id, endpointId, type, body, now, now, ordering?.key ?? null, ordering?.seq ?? null);
    return id;
  }

  // --- endpoints ---

  create(input: CreateWebhookInput): WebhookEndpoint {
    this.#sql.insertEndpoint.run(
      input.id,
      input.url,
      JSON.stringify(input.events),
      input.filter ? JSON.stringify(input.filter) : null,
      input.description,
      input.enabled ? 1 : 0,
      input.now,
      input.now,
    );
    this.#sql.insertSecret.run(input.id, input.secret, input.now);
    this.#sql.bump.run();
    return this.get(input.id) as WebhookEndpoint;
  }

  list(): WebhookEndpoint[] {
    return (this.#sql.allEndpoints.all() as EndpointRow[]).map(toWebhookEndpoint);
  }

  get(id: string): WebhookEndpoint | null {
    const row = this.#sql.endpoint.get(id) as EndpointRow | undefined;
    return row ? toWebhookEndpoint(row) : null;
  }

  update(id: string, patch: WebhookPatch, now: number): WebhookEndpoint | null {
    const row = this.#sql.endpoint.get(id) as EndpointRow | undefined;
    if (!row) return null;
    const enabled = patch.enabled ?? row.enabled === 1;
    const reenabled = enabled && row.enabled === 0;
    this.#sql.updateEndpoint.run(
      patch.url ?? row.url,
      patch.events ? JSON.stringify(patch.events) : row.events,
      patch.filter === undefined ? row.filter : patch.filter === null ? null : JSON.stringify(patch.filter),
      patch.description === undefined ? row.description : patch.description,
      enabled ? 1 : 0,
      enabled ? null : row.disabled_reason,
      reenabled ? null : row.failing_since_ms,
      now,
      id,
    );
    // Disabled by the operator: what was waiting fails now (replayable), like after a 410.
    if (!enabled && row.enabled === 1) this.#sql.failPending.run(id, now);
    this.#sql.bump.run();
    return this.get(id);
  }

  delete(id: string): boolean {
    const deleted = this.#sql.deleteEndpoint.run(id).changes > 0;
    if (deleted) this.#sql.bump.run();
    return deleted;
  }

  rotateSecret(input: RotateSecretInput): boolean {
    if (!this.#sql.endpoint.get(input.id)) return false;
    this.#sql.dropExpiredSecrets.run(input.id, input.now);
    this.#sql.expireSecrets.run(input.now + input.overlapMs, input.id, input.now + input.overlapMs);
    this.#sql.insertSecret.run(input.id, input.secret, input.now);
    return true;
  }

  enqueueOne(input: { endpointId: string; type: WebhookBodyType; data: unknown; now: number }): string | null {
    if (!this.#sql.endpoint.get(input.endpointId)) return null;
    const body = JSON.stringify({ type: input.type, timestamp: iso(input.now), data: input.data });
    return this.#insertDelivery(input.endpointId, input.type, body, input.now);
  }

  // --- deliveries ---

  listDeliveries(endpointId: string, query: DeliveryQuery): Page<WebhookDelivery> | null {
    if (!this.#sql.endpoint.get(endpointId)) return null;
    const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
    const rows = this.#db
      .prepare(
        `SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND seq < ? ${query.status ? 'AND status = ?' : ''}
         ORDER BY seq DESC LIMIT ?`,
      )
      .all(endpointId, before, ...(query.status ? [query.status] : []), query.limit + 1) as DeliveryRow[];
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const attemptRows = this.#sql.attemptsOf.all(JSON.stringify(page.map((row) => row.seq))) as AttemptRow[];
    return {
      data: toWebhookDeliveries(page, attemptRows),
      nextCursor: more && page.length > 0 ? encodeCursor((page.at(-1) as DeliveryRow).seq) : null,
    };
  }

  retry(endpointId: string, deliveryId: string, now: number): boolean {
    return this.#sql.requeueOne.run(now, endpointId, deliveryId).changes > 0;
  }

  replay(endpointId: string, since: number, until: number, now: number): number | null {
    if (!this.#sql.endpoint.get(endpointId)) return null;
    return this.#sql.replay.run(now, endpointId, since, until).changes;
  }

  /** Per enabled endpoint: as many due rows as it has free slots, skipping rows waiting behind their key. */
  claim(input: ClaimDeliveriesInput): ClaimedDelivery[] {
    const { now, owner, leaseMs, limit, concurrencyPerEndpoint } = input;
    const claimed: ClaimedDelivery[] = [];
    const endpoints = this.#sql.enabledEndpoints.all() as Pick<EndpointRow, 'id' | 'url'>[];
    for (const endpoint of endpoints) {
      const room = Math.min(
        concurrencyPerEndpoint - (this.#sql.leased.pluck().get(endpoint.id, now) as number),
        limit - claimed.length,
      );
      if (room <= 0) continue;
      const due = this.#sql.due.all(endpoint.id, now, room * CLAIM_SCAN_FACTOR) as Pick<
        DeliveryRow,
        'seq' | 'ordering_key'
      >[];
      let secrets: string[] | null = null;
      let taken = 0;
      for (const row of due) {
        if (taken >= room) break;
        if (row.ordering_key !== null && this.#sql.earlierPending.get(endpoint.id, row.ordering_key, row.seq)) {
          continue;
        }
        this.#sql.lease.run(owner, now + leaseMs, now + leaseMs, row.seq);
        const full = this.#sql.claimedRow.get(row.seq) as Pick<
          DeliveryRow,
          'id' | 'payload' | 'attempts' | 'round_start'
        >;
        secrets ??= this.#sql.secrets.pluck().all(endpoint.id, now) as string[];
        claimed.push({
          id: full.id,
          endpointId: endpoint.id,
          url: endpoint.url,
          payload: full.payload,
          attemptsInRound: full.attempts - full.round_start,
          secrets,
        });
        taken += 1;
      }
    }
    return claimed;
  }

  record(input: RecordAttemptInput): void {
    const row = this.#sql.deliveryById.get(input.id) as DeliveryRow | undefined;
    if (row?.status !== 'pending' || row.lease_owner !== input.owner) return;
    const endpoint = this.#sql.endpoint.get(row.endpoint_id) as EndpointRow | undefined;
    this.#sql.insertAttempt.run(row.seq, input.at, input.statusCode, input.durationMs, input.response, input.error);
    const verdict = input.verdict;
    // An endpoint disabled while this attempt ran gets no more attempts.
    const retry = verdict.kind === 'retry' && endpoint?.enabled === 1;
    const status: WebhookDeliveryStatus = verdict.kind === 'delivered' ? 'delivered' : retry ? 'pending' : 'failed';
    this.#sql.settle.run(status, retry && verdict.kind === 'retry' ? verdict.at : null, row.seq);
    if (!endpoint) return;
    if (verdict.kind === 'delivered') {
      this.#sql.succeeded.run(input.at, endpoint.id);
      if (endpoint.failing_since_ms !== null) this.#sql.failingSince.run(null, endpoint.id);
      return;
    }
    this.#sql.failed.run(input.at, endpoint.id);
    const failingSince = endpoint.failing_since_ms ?? input.at;
    if (endpoint.failing_since_ms === null) this.#sql.failingSince.run(failingSince, endpoint.id);
    if (endpoint.enabled !== 1) return;
    if (verdict.kind === 'gone') this.#disable(endpoint.id, verdict.reason, input.at);
    else if (input.at - failingSince >= input.disableAfterMs) {
      this.#disable(endpoint.id, `every delivery failed since ${iso(failingSince)}`, input.at);
    }
  }

  #disable(id: string, reason: string, now: number): void {
    this.#sql.disable.run(reason, now, id);
    this.#sql.failPending.run(id, now);
    this.#sql.bump.run();
  }

  /** Only enabled endpoints' rows: what a disabled endpoint keeps pending must not wake the alarm. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const { id } of this.#sql.enabledEndpoints.all() as Pick<EndpointRow, 'id'>[]) {
      const due = this.#sql.nextDue.pluck().get(id) as number | null;
      if (due !== null && (next === null || due < next)) next = due;
    }
    return next;
  }
}
