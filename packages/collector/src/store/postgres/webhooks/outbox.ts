/**
 * The enqueue side of webhooks in PostgreSQL: every transaction that may
 * announce a change (an ingest group, a merge, an unmerge, an erasure, and the
 * activation, subscription and churn writes) first calls `webhooks.open(db)`.
 * That takes the endpoints lock shared (endpoint writes take it exclusive,
 * first, see endpoints.ts), then reads the endpoints version: the endpoint set
 * the outbox matches against stays the committed one until the transaction
 * ends, across every collector; the set itself is cached per version. An
 * advisory lock rather than a row lock FOR SHARE: the lock manager queues a new
 * shared request behind a waiting exclusive one, so back-to-back ingest groups
 * of several collectors cannot starve an endpoint write (and it writes no WAL). The returned `PgOutbox` has one method per
 * producer; payloads come from the shared `outbox-payloads.ts`.
 */

import type { DeletionResult, WebhookBodyType, WebhookEventType, WebhookFilter } from '@exhaust/schema';
import type pg from 'pg';
import type { IdentityConfig } from '../../../identity/config.js';
import { matchesEndpoint } from '../../outbox-filter.js';
import {
  type AudienceLifecycleEvent,
  audienceChange,
  audienceTransitionOf,
  type ChurnRiskFacts,
  churnRiskChange,
  computedChange,
  eventReceivedChange,
  newDeliveryId,
  type OutboxChange,
  outboxBody,
  profileErasedChange,
  profileMergedChange,
  profileUnmergedChange,
  type SubscriptionChangeFacts,
  subscriptionChange,
} from '../../outbox-payloads.js';
import type { PreparedEvent } from '../../prepared-event.js';
import { rootOfRef } from '../identity/graph.js';
import { readProfile } from '../identity/profiles.js';
import { lockKeyOf } from '../locks.js';
import type { Queryable } from '../pool.js';

interface CachedEndpoint {
  id: string;
  events: WebhookEventType[];
  filter: WebhookFilter | null;
}

/** The enabled endpoints of one committed endpoints version. */
interface EndpointSet {
  version: number;
  endpoints: CachedEndpoint[];
  /** Types some enabled endpoint subscribes to: with no endpoint, every `wants` is one Set lookup. */
  types: Set<WebhookBodyType>;
}

/** An applied subscription change as the subscriptions area reports it (the SQLite `AppliedSubscriptionChange`). */
export interface PgSubscriptionChange extends SubscriptionChangeFacts {
  /** The fragment holding the address as an identifier (email, phone); null when none. */
  fragmentId: number | null;
}

/**
 * The outbox of one transaction: one method per producer, each a no-op unless some enabled
 * endpoint subscribes to its type. Must be used only inside the transaction it was opened in.
 */
export interface PgOutbox {
  wants(type: WebhookBodyType): boolean;
  /** Writes one delivery per matching enabled endpoint, due now. */
  enqueue(change: OutboxChange, now: number): Promise<void>;
  /** Public id of a fragment, for payloads built from fragment ids. */
  publicId(fragmentId: number): Promise<string | null>;
  /** Erasure: every delivery naming one of these profiles leaves the outbox (with its attempts); answers how many. */
  forgetProfiles(profileIds: string[]): Promise<number>;
  /** `event.received` for a stored event. */
  eventReceived(event: PreparedEvent, profileId: string | null): Promise<void>;
  /** `profile.merged` for each root an event merged into `survivor` (a public id). */
  mergedByEvent(survivor: string, mergedRoots: number[]): Promise<void>;
  /** `profile.merged` by an operator. */
  profileMerged(survivor: string, merged: string, now: number): Promise<void>;
  profileUnmerged(outcome: { detached: string; from: string }, now: number): Promise<void>;
  profileErased(deletion: DeletionResult, now: number): Promise<void>;
  /** `computed.changed` (value and previous are JSON texts): the engine's `#outboxComputed`. */
  computedChanged(rootId: number, key: string, previous: string | null, value: string, now: number): Promise<void>;
  /** `subscription.changed`: the outbox half of the engine's `#subscriptionChanged`. */
  subscriptionChanged(change: PgSubscriptionChange): Promise<void>;
  /** `churn.risk_changed`: the engine's `#outboxChurnRisk`. */
  churnRiskChanged(rootId: number, change: ChurnRiskFacts, now: number): Promise<void>;
  /** `audience.entered`/`exited` from a lifecycle event just appended (others are ignored): `#outboxAudience`. */
  audienceLifecycle(event: AudienceLifecycleEvent): Promise<void>;
}

export interface PgWebhooks {
  /** Takes the endpoints lock (shared) and answers the outbox of this transaction. Call it before any other lock. */
  open(db: Queryable): Promise<PgOutbox>;
  /**
   * The outbox `open` answered on this connection: for the areas that announce from inside a
   * transaction (activation, subscriptions, churn bands), which only see the connection.
   */
  of(db: Queryable): PgOutbox;
  /** Whether some enabled endpoint subscribes to `type`, as of the newest endpoint set read. */
  wants(type: WebhookBodyType): boolean;
}

/** The endpoints lock: shared by every transaction that may enqueue, exclusive for endpoint writes. */
export const ENDPOINTS_LOCK_KEY = lockKeyOf('exhaust:webhook-endpoints');

const SQL = {
  // NOTE: two statements in one round trip (simple protocol): the read gets its own snapshot, taken
  // after the lock is granted (one statement would read with a snapshot from before a wait).
  version: `SELECT pg_advisory_xact_lock_shared(${ENDPOINTS_LOCK_KEY}); SELECT endpoints_version AS v FROM webhook_meta WHERE id = 1`,
  enabledEndpoints: 'SELECT id, events, filter FROM webhook_endpoints WHERE enabled ORDER BY created_ms, id',
  // One round trip per change: the deliveries, then the profiles each names.
  insert: `WITH d AS (
      INSERT INTO webhook_deliveries (id, endpoint_id, type, payload, status, next_attempt_ms, created_ms,
                                      ordering_key, ordering_seq)
      SELECT u.id, u.endpoint_id, $3, $4, 'pending', $5, $5, $6, $7 FROM unnest($1::text[], $2::text[]) AS u(id, endpoint_id)
      RETURNING seq)
    INSERT INTO webhook_delivery_profiles (profile_id, delivery_seq)
    SELECT p, d.seq FROM d, unnest($8::text[]) AS p ON CONFLICT DO NOTHING`,
  publicId: 'SELECT public_id FROM id_fragments WHERE id = $1',
  canonicalPublicId: `SELECT r.public_id FROM id_fragments f JOIN id_fragments r ON r.id = f.canonical_id
    WHERE f.id = $1`,
  forget: `DELETE FROM webhook_deliveries WHERE seq IN (SELECT delivery_seq FROM webhook_delivery_profiles
    WHERE profile_id = ANY($1::text[]))`,
} as const;

/**
 * @example
 * const webhooks = createPgWebhooks(config);
 * // inside a transaction, before anything else:
 * const outbox = await webhooks.open(client);
 * await outbox.eventReceived(event, profileId);
 */
export function createPgWebhooks(config: IdentityConfig): PgWebhooks {
  let cached: EndpointSet = { version: -1, endpoints: [], types: new Set() };

  const endpointSet = async (db: Queryable): Promise<EndpointSet> => {
    const results = (await db.query(SQL.version)) as unknown as pg.QueryResult<{ v: number }>[];
    const version = Number(results[1]!.rows[0]!.v);
    if (version === cached.version) return cached;
    const endpoints = (
      await db.query<{ id: string; events: string; filter: string | null }>({
        name: 'webhooks_enabled_endpoints',
        text: SQL.enabledEndpoints,
      })
    ).rows.map((row) => ({
      id: row.id,
      events: JSON.parse(row.events) as WebhookEventType[],
      filter: row.filter === null ? null : (JSON.parse(row.filter) as WebhookFilter),
    }));
    // NOTE: a newer set may have been cached meanwhile by another transaction of this store.
    const set = { version, endpoints, types: new Set<WebhookBodyType>(endpoints.flatMap((e) => e.events)) };
    if (version > cached.version) cached = set;
    return set;
  };

  // NOTE: every transaction that announces opens its outbox first, so the entry read by `of` is
  // always the current transaction's (a connection runs one transaction at a time).
  const opened = new WeakMap<Queryable, PgOutbox>();
  return {
    async open(db) {
      const outbox = outboxOf(db, config, await endpointSet(db));
      opened.set(db, outbox);
      return outbox;
    },
    of(db) {
      const outbox = opened.get(db);
      if (!outbox) throw new Error('the webhook outbox was not opened in this transaction');
      return outbox;
    },
    wants: (type) => cached.types.has(type),
  };
}

function outboxOf(db: Queryable, config: IdentityConfig, set: EndpointSet): PgOutbox {
  const wants = (type: WebhookBodyType) => set.types.has(type);

  const enqueue = async (change: OutboxChange, now: number): Promise<void> => {
    if (!wants(change.type)) return;
    const targets = set.endpoints.filter((endpoint) => matchesEndpoint(endpoint, change.type, change.facets));
    if (targets.length === 0) return;
    const profiles = [...new Set((change.profiles ?? []).filter((id): id is string => id !== null))];
    await db.query({
      name: 'webhooks_enqueue',
      text: SQL.insert,
      values: [
        targets.map(() => newDeliveryId()),
        targets.map((endpoint) => endpoint.id),
        change.type,
        outboxBody(change),
        now,
        change.ordering?.key ?? null,
        change.ordering?.seq ?? null,
        profiles,
      ],
    });
  };

  const publicId = async (fragmentId: number): Promise<string | null> => {
    const { rows } = await db.query<{ public_id: string }>({
      name: 'webhooks_public_id',
      text: SQL.publicId,
      values: [fragmentId],
    });
    return rows[0]?.public_id ?? null;
  };

  return {
    wants,
    enqueue,
    publicId,
    async forgetProfiles(profileIds) {
      if (profileIds.length === 0) return 0;
      return (await db.query(SQL.forget, [profileIds])).rowCount ?? 0;
    },
    async eventReceived(event, profileId) {
      if (wants('event.received')) await enqueue(eventReceivedChange(event, profileId), Date.now());
    },
    async mergedByEvent(survivor, mergedRoots) {
      if (!wants('profile.merged')) return;
      for (const loser of mergedRoots) {
        const merged = await publicId(loser);
        const now = Date.now();
        if (merged !== null) await enqueue(profileMergedChange(survivor, merged, now), now);
      }
    },
    async profileMerged(survivor, merged, now) {
      if (wants('profile.merged')) await enqueue(profileMergedChange(survivor, merged, now), now);
    },
    async profileUnmerged(outcome, now) {
      if (wants('profile.unmerged')) await enqueue(profileUnmergedChange(outcome, now), now);
    },
    async profileErased(deletion, now) {
      if (wants('profile.erased')) await enqueue(profileErasedChange(deletion, now), now);
    },
    async computedChanged(rootId, key, previous, value, now) {
      if (!wants('computed.changed')) return;
      const profileId = await publicId(rootId);
      if (profileId !== null) await enqueue(computedChange(profileId, key, previous, value, now), now);
    },
    async subscriptionChanged(change) {
      if (!wants('subscription.changed')) return;
      let profileId: string | null = null;
      if (change.fragmentId !== null) {
        const { rows } = await db.query<{ public_id: string }>({
          name: 'webhooks_canonical_public_id',
          text: SQL.canonicalPublicId,
          values: [change.fragmentId],
        });
        profileId = rows[0]?.public_id ?? null;
      }
      await enqueue(subscriptionChange(change, profileId), Date.now());
    },
    async churnRiskChanged(rootId, change, now) {
      if (!wants('churn.risk_changed')) return;
      const profileId = await publicId(rootId);
      if (profileId !== null) await enqueue(churnRiskChange(profileId, change, now), now);
    },
    async audienceLifecycle(event) {
      const transition = audienceTransitionOf(event);
      if (!transition || !wants(transition.type)) return;
      const root = await rootOfRef(db, config, { id: transition.profileId });
      const profile = root ? await readProfile(db, config, root) : null;
      await enqueue(audienceChange(transition, profile), Date.now());
    },
  };
}
