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
import { StoreError } from '../errors.js';
import { type PreparedEvent, prepareEvent } from '../prepared-event.js';
import type { Store } from '../store.js';
import * as access from './access.js';
import { PgActivation } from './activation/index.js';
import * as activity from './activity.js';
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

/** Attempts of an admin write (merge, unmerge, erase, sources, keys) aborted by a deadlock. */
const WRITE_ATTEMPTS_MAX = 5;

export interface PostgresStoreOptions extends PoolOptions {
  /** The config file's `identity`, validated. */
  identity?: IdentityConfig;
  /** Rows a property-filtered event list examines per call; default `MAX_PROPERTY_SCAN_ROWS` (tests lower it). */
  maxPropertyScanRows?: number;
}

/** The Store areas this store does not implement yet, each answering `not_supported` (HTTP 501). */
export const POSTGRES_UNSUPPORTED_AREAS = {
  subscriptions: 'subscriptions are not yet available on the PostgreSQL store',
  webhooks: 'webhooks are not yet available on the PostgreSQL store',
  churn: 'the churn model is not yet available on the PostgreSQL store',
} as const;

const unsupported = (area: keyof typeof POSTGRES_UNSUPPORTED_AREAS) => async (): Promise<never> => {
  throw new StoreError('not_supported', POSTGRES_UNSUPPORTED_AREAS[area]);
};

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
  const activation = new PgActivation({
    // LEAD: wire to webhooks (`computed.changed` producer of the PostgreSQL outbox).
    computed: { active: () => false, changed: async () => {} },
    // LEAD: wire to webhooks (`audience.entered` / `audience.exited` producer, given the appended event).
    lifecycle: { appended: async () => {} },
    // LEAD: wire to churn: `churn: { store: pgChurn, bands: <async ChurnBandTracker over churn_bands> }`.
    // LEAD: wire to subscriptions: `subscriptions: { topics, read: (db, keys) => addressFacts(db, keys) }`, and
    // have the subscriptions area call `noteSubscriptionChange(fragmentId)` on the ingest group's
    // ActivationRequests (and changeSubscriptions open its own with `activation.beginGroup`).
  });
  const commits = createGroupCommit<PreparedEvent>((requests) =>
    writeGroup({ pool, config, partitions, sources, activation }, requests),
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
        const tx = identityTx(db, config);
        const outcome = await forceMerge(tx, from, into);
        if (outcome?.merged) await activation.afterMerge(tx, outcome.survivor, outcome.merged, Date.now());
        return outcome;
      }),
    unmerge: (ref) =>
      write(async (db) => {
        const tx = identityTx(db, config);
        const outcome = await unmerge(tx, ref);
        if (outcome && outcome !== 'not_merged') {
          await activation.afterUnmerge(tx, outcome.detached, outcome.from, Date.now());
        }
        return outcome;
      }),
    erase: (ref, options) =>
      write(async (db) => {
        const tx = identityTx(db, config);
        const root = await lockedRootOfRef(tx, ref);
        const fragments = root ? await componentOf(db, root.id) : [];
        const result = await erase(tx, ref, options);
        if (result) await activation.erase(db, fragments);
        return result;
      }),
    seedAccess: (seed) => write((db) => access.seedAccess(db, seed)),
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

    changeSubscriptions: unsupported('subscriptions'),
    readSubscriptionFacts: unsupported('subscriptions'),
    getSubscriptions: unsupported('subscriptions'),
    getSubscriptionHistory: unsupported('subscriptions'),
    listSubscriptions: unsupported('subscriptions'),

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
    reevaluate: (input) => write((db) => activation.reevaluate(identityTx(db, config), input.profileIds, input.now)),
    nextDueAt: () => read((db) => activation.nextDueAt(db)),
    backfillStep: (input) => write((db) => activation.backfillStep(identityTx(db, config), input.now, input.limit)),

    readPurchaseSummaries: unsupported('churn'),
    getProfileChurnFacts: unsupported('churn'),
    saveChurnFit: unsupported('churn'),
    getChurnFit: unsupported('churn'),
    listChurnFits: unsupported('churn'),
    claimChurnRefit: unsupported('churn'),
    nextChurnRefitAt: unsupported('churn'),

    createWebhook: unsupported('webhooks'),
    listWebhooks: unsupported('webhooks'),
    getWebhook: unsupported('webhooks'),
    updateWebhook: unsupported('webhooks'),
    deleteWebhook: unsupported('webhooks'),
    rotateWebhookSecret: unsupported('webhooks'),
    enqueueWebhook: unsupported('webhooks'),
    listDeliveries: unsupported('webhooks'),
    retryDelivery: unsupported('webhooks'),
    replayDeliveries: unsupported('webhooks'),
    claimDeliveries: unsupported('webhooks'),
    recordDeliveryAttempts: unsupported('webhooks'),
    nextDeliveryAt: unsupported('webhooks'),

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
