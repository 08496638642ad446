/**
 * The PostgreSQL implementation of the Store port, for N stateless collectors
 * sharing one database. Each collector keeps its own group commit (one
 * transaction per group of requests, answered after COMMIT); what SQLite got
 * from being the only writer, PostgreSQL gets from sequences (arrival order,
 * ids), unique keys (dedupe) and advisory locks (identity, see locks.ts).
 * Reads of several statements run in one REPEATABLE READ snapshot.
 * One module per area (events, identity, access), like the SQLite side.
 */
import type pg from 'pg';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig } from '../../identity/config.js';
import { DEFAULT_SUBSCRIPTIONS_CONFIG, type SubscriptionsConfig } from '../../subscriptions/topics.js';
import { StoreError } from '../errors.js';
import { type PreparedEvent, prepareEvent } from '../prepared-event.js';
import type { Store } from '../store.js';
import * as access from './access.js';
import { PgActivation } from './activation/index.js';
import * as activity from './activity.js';
import { PgChurnBandTracker } from './churn/bands.js';
import { PgChurn } from './churn/index.js';
import { getEvent, listEvents, listFragmentEvents } from './events.js';
import { createGroupCommit } from './group-commit.js';
import { erase, forceMerge, unmerge } from './identity/admin.js';
import { listDeletions, listSuppressionStats } from './identity/audit.js';
import { componentOf, identityTx, lockedRootOfRef, rootOfRef } from './identity/graph.js';
import { listMergeHistory, listProfiles, readProfile } from './identity/profiles.js';
import { listConsentHistory, searchProfiles } from './identity/search.js';
import { writeGroup } from './ingest.js';
import { migratePostgres } from './migrations.js';
import { createPartitions } from './partitions.js';
import { acquire, createPool, isRetryable, type PoolOptions, rollbackQuietly, toStoreError } from './pool.js';
import { applyPostgresRetention } from './retention.js';
import {
  addressFacts,
  createPgSubscriptions,
  listSubscriptions,
  subscriptionFacts,
  subscriptionHistory,
  subscriptionStates,
} from './subscriptions/index.js';
import * as webhooks from './webhooks/index.js';

/** Attempts of an admin write (merge, unmerge, erase, sources, keys) aborted by a deadlock. */
const WRITE_ATTEMPTS_MAX = 5;

export interface PostgresStoreOptions extends PoolOptions {
  /** The config file's `identity`, validated. */
  identity?: IdentityConfig;
  /** The config file's `subscriptions` (declared topics, read by audiences' subscription nodes). */
  subscriptions?: SubscriptionsConfig;
  /** Rows a property-filtered event list examines per call; default `MAX_PROPERTY_SCAN_ROWS` (tests lower it). */
  maxPropertyScanRows?: number;
}

/** Public ids of these fragments. */
async function publicIdsOf(db: pg.PoolClient, fragmentIds: number[]): Promise<string[]> {
  const { rows } = await db.query<{ public_id: string }>(
    'SELECT public_id FROM id_fragments WHERE id = ANY($1::bigint[])',
    [fragmentIds],
  );
  return rows.map((row) => row.public_id);
}

/** True for `postgres://` and `postgresql://` URLs: what selects this store. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/**
 * Connects, migrates (once across collectors) and returns the async Store.
 * @example const store = await createPostgresStore({ url: 'postgres://exhaust@db/exhaust', poolSize: 10 });
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const config = options.identity ?? DEFAULT_IDENTITY_CONFIG;
  const pool = createPool(options);
  try {
    await migratePostgres(pool, options.schema ? { schema: options.schema } : {});
  } catch (error) {
    await pool.end();
    throw toStoreError(error);
  }
  const partitions = createPartitions(pool);
  const sources = new Set<string>();
  // The areas, wired to each other as the SQLite engine's constructor wires them: the outbox of
  // the current transaction (`outboxes.of(db)`) announces what activation, subscriptions and churn change.
  const outboxes = webhooks.createPgWebhooks(config);
  const churn = new PgChurn();
  let fitBands: readonly number[] = [];
  const bandTracker = new PgChurnBandTracker(
    {
      active: () => outboxes.wants('churn.risk_changed'),
      changed: (db, rootId, change, now) => outboxes.of(db).churnRiskChanged(rootId, change, now),
    },
    () => fitBands,
  );
  const activation = new PgActivation({
    computed: {
      active: () => outboxes.wants('computed.changed'),
      changed: (db, rootId, key, previous, value, now) =>
        outboxes.of(db).computedChanged(rootId, key, previous, value, now),
    },
    lifecycle: { appended: (db, event) => outboxes.of(db).audienceLifecycle(event) },
    churn: {
      store: {
        // NOTE: activation reads the current fit first in every evaluating transaction: the band
        // tracker's boundaries are that fit's.
        async current(db) {
          const fit = await churn.current(db);
          fitBands = fit?.bands ?? [];
          return fit;
        },
        purchasesOf: (db, rootId, query) => churn.purchasesOf(db, rootId, query),
        erase: (db, fragmentIds) => churn.erase(db, fragmentIds),
      },
      bands: {
        active: () => bandTracker.active,
        track: (db, rootId, facts, now) => bandTracker.track(db, rootId, facts, now),
        forget: (db, rootId) => bandTracker.forget(db, rootId),
      },
    },
    subscriptions: {
      topics: (options.subscriptions ?? DEFAULT_SUBSCRIPTIONS_CONFIG).topics,
      read: (db, keys) => addressFacts(db, keys),
    },
  });
  const subscriptions = createPgSubscriptions({
    // After every applied change: its owner is re-evaluated with the request, and `subscription.changed` goes out.
    async changed(db, change) {
      if (change.fragmentId !== null) activation.requestsOf(db)?.noteSubscriptionChange(change.fragmentId);
      await outboxes.of(db).subscriptionChanged(change);
    },
  });
  const commits = createGroupCommit<PreparedEvent>((requests) =>
    writeGroup({ pool, config, partitions, sources, webhooks: outboxes, subscriptions, activation }, requests),
  );
  let closing: Promise<void> | null = null;

  const open = () => {
    if (closing) throw new StoreError('store_closed', 'the store is closed');
  };

  /** Several statements in one consistent snapshot. */
  const read = async <T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> => {
    open();
    let client: pg.PoolClient;
    try {
      client = await acquire(pool);
    } catch (error) {
      throw toStoreError(error);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      broken = await rollbackQuietly(client, error);
      throw toStoreError(error);
    } finally {
      client.release(broken);
    }
  };

  /** One read-write transaction, run again when PostgreSQL aborts it for a deadlock. */
  const write = async <T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> => {
    open();
    // The events a write may append itself (audience lifecycle, subscription changes) are dated now.
    try {
      await partitions.ensure([new Date().toISOString()]);
    } catch (error) {
      throw toStoreError(error);
    }
    for (let attempt = 1; ; attempt += 1) {
      let client: pg.PoolClient;
      try {
        client = await acquire(pool);
      } catch (error) {
        throw toStoreError(error);
      }
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const value = await work(client);
        await activation.beforeCommit(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        broken = await rollbackQuietly(client, error);
        if (isRetryable(error) && attempt < WRITE_ATTEMPTS_MAX) continue;
        throw toStoreError(error);
      } finally {
        client.release(broken);
      }
    }
  };

  const store: Store = {
    async ingest(events) {
      open();
      return commits.submit(events.map((event) => prepareEvent(event, config)));
    },
    listEvents: (query) =>
      read(async (db) => {
        const bound = options.maxPropertyScanRows;
        if (!query.profile) return listEvents(db, query, undefined, bound);
        const root = await rootOfRef(db, config, query.profile);
        return listEvents(db, query, root ? await componentOf(db, root.id) : [], bound);
      }),
    getEvent: (messageId, source) => read((db) => getEvent(db, messageId, source)),
    listProfiles: (query) => read((db) => listProfiles(db, config, query)),
    getProfile: (ref) =>
      read(async (db) => {
        const root = await rootOfRef(db, config, ref);
        return root ? readProfile(db, config, root) : null;
      }),
    listProfileEvents: (ref, query) =>
      read(async (db) => {
        const root = await rootOfRef(db, config, ref);
        return root ? listFragmentEvents(db, await componentOf(db, root.id), query) : null;
      }),
    listMerges: (ref) =>
      read(async (db) => {
        const root = await rootOfRef(db, config, ref);
        return root ? listMergeHistory(db, root) : null;
      }),
    merge: (from, into) =>
      write(async (db) => {
        const outbox = await outboxes.open(db);
        const tx = identityTx(db, config);
        const outcome = await forceMerge(tx, from, into);
        if (outcome?.merged) {
          await activation.afterMerge(tx, outcome.survivor, outcome.merged, Date.now());
          await outbox.profileMerged(outcome.survivor, outcome.merged, Date.now());
        }
        return outcome;
      }),
    unmerge: (ref) =>
      write(async (db) => {
        const outbox = await outboxes.open(db);
        const tx = identityTx(db, config);
        const outcome = await unmerge(tx, ref);
        if (outcome && outcome !== 'not_merged') {
          await activation.afterUnmerge(tx, outcome.detached, outcome.from, Date.now());
          await outbox.profileUnmerged(outcome, Date.now());
        }
        return outcome;
      }),
    erase: (ref, options) =>
      write(async (db) => {
        const outbox = await outboxes.open(db);
        const tx = identityTx(db, config);
        // Every id the person's profile ever had (read under its lock, before it goes): deliveries name one of them.
        const root = await lockedRootOfRef(tx, ref);
        const fragments = root ? await componentOf(db, root.id) : [];
        const profileIds = await publicIdsOf(db, fragments);
        const deletion = await erase(tx, ref, options);
        if (!deletion) return null;
        await activation.erase(db, fragments);
        await outbox.forgetProfiles(profileIds);
        await outbox.profileErased(deletion, Date.now());
        return deletion;
      }),
    seedAccess: (seed) => write((db) => access.seedAccess(db, seed)),
    loadSigningKeys: (input) => write((db) => access.loadSigningKeys(db, input)),
    getAccessSnapshot: (knownVersion) => read((db) => access.accessSnapshot(db, knownVersion)),
    listSources: () => read((db) => access.listSources(db)),
    getSource: (id) => read((db) => access.getSource(db, id)),
    createSource: (source) => write((db) => access.createSource(db, source)),
    updateSource: (id, changes, at) => write((db) => access.updateSource(db, id, changes, at)),
    addKey: (owner, key) => write((db) => access.addKey(db, owner, key)),
    revokeKey: (owner, keyId, at) => write((db) => access.revokeKey(db, owner, keyId, at)),
    listAdminKeys: () => read((db) => access.listKeys(db, 'admin')),
    listSenderKeys: () => read((db) => access.listKeys(db, 'sender')),
    listDeletions: (query) => read((db) => listDeletions(db, query)),
    listSuppressionStats: (query) => read((db) => listSuppressionStats(db, query)),

    async recordRejections(rejections) {
      if (rejections.length > 0) await write((db) => activity.recordRejections(db, rejections));
    },
    listRejections: (limit) => read((db) => activity.listRejections(db, limit)),
    readEventsAfter: (query) => read((db) => activity.readEventsAfter(db, query)),
    traceMessage: (messageId) => read((db) => activity.traceMessage(db, messageId)),
    countEventsPerMinute: (since) => read((db) => activity.countEventsPerMinute(db, since)),
    getTotals: () => read((db) => activity.totals(db)),
    summarizeWarnings: (since) => read((db) => activity.summarizeWarnings(db, since)),
    lastEventPerSource: () => read((db) => activity.lastEventPerSource(db)),
    searchProfiles: (query, limit) => read((db) => searchProfiles(db, config, query, limit)),
    listConsentHistory: (ref) => read((db) => listConsentHistory(db, config, ref)),
    async describe() {
      return { kind: 'postgres' };
    },

    async changeSubscriptions(changes, recordedAt) {
      open();
      // Each applied change's timeline event is dated when the change happened: its month must exist.
      try {
        await partitions.ensure(changes.map((change) => new Date(Date.parse(change.at)).toISOString()));
      } catch (error) {
        throw toStoreError(error);
      }
      // The owners of changed addresses are re-evaluated before commit, as in an ingest request.
      return write(async (db) => {
        await outboxes.open(db);
        const requests = await activation.beginGroup(identityTx(db, config));
        const outcomes = await subscriptions.apply(db, changes, recordedAt);
        if (requests.active) await requests.flushRequest(Date.now());
        return outcomes;
      });
    },
    readSubscriptionFacts: (queries) => read((db) => subscriptionFacts(db, queries)),
    getSubscriptions: (keys) => read((db) => subscriptionStates(db, keys)),
    getSubscriptionHistory: (key) => read((db) => subscriptionHistory(db, key)),
    listSubscriptions: (query) => read((db) => listSubscriptions(db, query)),

    getDefinitions: () => read((db) => activation.getDefinitions(db)),
    saveDefinition: (input) => write((db) => activation.saveDefinition(db, input)),
    deleteDefinition: (input) =>
      write((db) => activation.deleteDefinition(db, input.kind, input.key, input.expectedVersion)),
    getProfileActivation: (ref) =>
      read(async (db) => {
        const root = await rootOfRef(db, config, ref);
        return root ? { profileId: root.public_id, ...(await activation.profileState(db, root.id, Date.now())) } : null;
      }),
    listAudienceMembers: (key, query) => read((db) => activation.members(db, key, query)),
    listAudienceChanges: (key, query) => read((db) => activation.changes(db, key, query)),
    audienceSizes: () => read((db) => activation.sizes(db)),
    explainAudience: (ref, key, now) =>
      read(async (db) => {
        const root = await rootOfRef(db, config, ref);
        if (!root) return null;
        const explain = await activation.explain(db, root.id, key, now);
        return explain === 'unknown_audience' ? explain : { profileId: root.public_id, explain };
      }),
    // One snapshot: the sample and the total are counted at one instant.
    previewDefinition: (input) => read((db) => activation.preview(db, input)),
    claimDue: (input) => write((db) => activation.claimDue(db, input)),
    reevaluate: (input) =>
      write(async (db) => {
        await outboxes.open(db);
        return activation.reevaluate(identityTx(db, config), input.profileIds, input.now);
      }),
    nextDueAt: () => read((db) => activation.nextDueAt(db)),
    backfillStep: (input) =>
      write(async (db) => {
        // Every scheduler pass asks: the endpoints lock is taken only when there is a backfill to run.
        if (!(await activation.backfillPending(db))) return { evaluated: 0, remaining: false };
        await outboxes.open(db);
        return activation.backfillStep(identityTx(db, config), input.now, input.limit);
      }),

    readPurchaseSummaries: (query) => read((db) => churn.summaries(db, query)),
    getProfileChurnFacts: (ref, now) =>
      read(async (db) => {
        const root = await rootOfRef(db, config, ref);
        if (!root) return null;
        const current = await churn.current(db);
        const fit = current?.status === 'fitted' ? current : null;
        const purchases = fit
          ? await churn.purchasesOf(db, root.id, { event: fit.event, valueProperty: fit.valueProperty, asOf: now })
          : null;
        return { profileId: root.public_id, fit: current, purchases };
      }),
    saveChurnFit: (input) =>
      write(async (db) => {
        const fit = await churn.save(db, input);
        await activation.afterChurnFit(db, input.now);
        return fit;
      }),
    getChurnFit: () => read((db) => churn.current(db)),
    listChurnFits: (limit) => read((db) => churn.list(db, limit)),
    claimChurnRefit: (input) => write((db) => churn.claimRefit(db, input)),
    nextChurnRefitAt: () => read((db) => churn.nextRefitAt(db)),

    createWebhook: (input) => write((db) => webhooks.createWebhook(db, input)),
    listWebhooks: () => read((db) => webhooks.listWebhooks(db)),
    getWebhook: (id) => read((db) => webhooks.getWebhook(db, id)),
    updateWebhook: (id, patch, now) => write((db) => webhooks.updateWebhook(db, id, patch, now)),
    deleteWebhook: (id) => write((db) => webhooks.deleteWebhook(db, id)),
    rotateWebhookSecret: (input) => write((db) => webhooks.rotateWebhookSecret(db, input)),
    enqueueWebhook: (input) => write((db) => webhooks.enqueueWebhook(db, input)),
    listDeliveries: (endpointId, query) => read((db) => webhooks.listDeliveries(db, endpointId, query)),
    retryDelivery: (input) => write((db) => webhooks.retryDelivery(db, input)),
    replayDeliveries: (input) => write((db) => webhooks.replayDeliveries(db, input)),
    claimDeliveries: (input) => write((db) => webhooks.claimDeliveries(db, input)),
    async recordDeliveryAttempts(inputs) {
      if (inputs.length === 0) return;
      const decisions = await write(async (db) => {
        const found: webhooks.DisableDecision[] = [];
        for (const input of inputs) {
          const decision = await webhooks.recordAttempt(db, input);
          if (decision) found.push(decision);
        }
        return found;
      });
      // Each in its own transaction, taking the endpoints lock first (see disableEndpoint).
      for (const decision of decisions) await write((db) => webhooks.disableEndpoint(db, decision));
    },
    nextDeliveryAt: () => read((db) => webhooks.nextDeliveryAt(db)),

    async applyRetention({ before }) {
      open();
      try {
        return await applyPostgresRetention(pool, partitions, before);
      } catch (error) {
        throw toStoreError(error);
      }
    },

    async ping() {
      open();
      try {
        await pool.query('SELECT 1');
      } catch (error) {
        throw toStoreError(error);
      }
    },
    close() {
      closing ??= (async () => {
        await commits.drain();
        await pool.end();
      })();
      return closing;
    },
  };
  return store;
}
