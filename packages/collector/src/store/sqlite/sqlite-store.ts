/**
 * The embedded SQLite implementation of the Store port. By default the engine
 * runs on a worker thread that owns the connection (HTTP never waits on SQLite
 * or fsync); `mode: 'inline'` runs it on the calling thread for small uses and
 * tests. Both speak to the same engine host, so both have group commit.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IdentityConfig } from '../../identity/config.js';
import { DEFAULT_IDENTITY_CONFIG } from '../../identity/config.js';
import type { SubscriptionsConfig } from '../../subscriptions/topics.js';
import { StoreError } from '../errors.js';
import { type PreparedEvent, prepareEvent } from '../prepared-event.js';
import type { IncomingEvent, Store } from '../store.js';
import { SqliteEngine } from './engine.js';
import { createEngineHost, type EngineHost, type EngineMethod } from './engine-host.js';
import { deserializeError, encodeArgs, type RpcRequest, type RpcResponse, type WorkerReady } from './rpc.js';

export interface SqliteStoreOptions {
  /** Database file; its folder must exist. */
  file: string;
  /** The config file's `identity`, validated. */
  identity?: IdentityConfig;
  /** The config file's `subscriptions`, validated (declared topics, for audiences). */
  subscriptions?: SubscriptionsConfig;
  /** `worker` (default): a worker thread owns the connection. `inline`: the calling thread does. */
  mode?: 'worker' | 'inline';
}

/**
 * Opens (and migrates) the database and returns the async Store.
 * @example const store = await createSqliteStore({ file: './data/exhaust.db' });
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const engineOptions = {
    file: options.file,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}),
  };
  if (options.mode === 'inline') {
    const engine = new SqliteEngine(engineOptions);
    return storeOver(
      createEngineHost(engine),
      (event) => engine.prepare(event),
      async () => {},
    );
  }
  const { worker, host } = await startWorker(engineOptions);
  // NOTE: events are prepared here, on the caller's (HTTP) thread: that is the point of preparing.
  const config = options.identity ?? DEFAULT_IDENTITY_CONFIG;
  return storeOver(
    host,
    (event) => prepareEvent(event, config),
    async () => {
      await worker.terminate();
    },
  );
}

function storeOver(
  host: EngineHost,
  prepare: (event: IncomingEvent) => PreparedEvent,
  afterClose: () => Promise<void>,
): Store {
  let closing: Promise<void> | null = null;
  const call =
    <M extends EngineMethod>(method: M) =>
    (...args: unknown[]) =>
      host.call(method, args);
  return {
    ingest: async (events: IncomingEvent[]) => host.call('ingest', [events.map(prepare)]),
    listEvents: call('listEvents'),
    getEvent: call('getEvent'),
    listProfiles: call('listProfiles'),
    getProfile: call('getProfile'),
    listProfileEvents: call('listProfileEvents'),
    listMerges: call('listMerges'),
    merge: call('merge'),
    unmerge: call('unmerge'),
    erase: call('erase'),
    seedAccess: call('seedAccess'),
    loadSigningKeys: call('loadSigningKeys'),
    getAccessSnapshot: call('getAccessSnapshot'),
    listSources: call('listSources'),
    getSource: call('getSource'),
    createSource: call('createSource'),
    updateSource: call('updateSource'),
    addKey: call('addKey'),
    revokeKey: call('revokeKey'),
    listAdminKeys: call('listAdminKeys'),
    listDeletions: call('listDeletions'),
    listSuppressionStats: call('listSuppressionStats'),
    recordRejections: call('recordRejections'),
    listRejections: call('listRejections'),
    readEventsAfter: call('readEventsAfter'),
    traceMessage: call('traceMessage'),
    countEventsPerMinute: call('countEventsPerMinute'),
    getTotals: call('getTotals'),
    summarizeWarnings: call('summarizeWarnings'),
    lastEventPerSource: call('lastEventPerSource'),
    searchProfiles: call('searchProfiles'),
    listConsentHistory: call('listConsentHistory'),
    describe: call('describe'),
    listSenderKeys: call('listSenderKeys'),
    changeSubscriptions: call('changeSubscriptions'),
    readSubscriptionFacts: call('readSubscriptionFacts'),
    getSubscriptions: call('getSubscriptions'),
    getSubscriptionHistory: call('getSubscriptionHistory'),
    listSubscriptions: call('listSubscriptions'),
    getDefinitions: call('getDefinitions'),
    saveDefinition: call('saveDefinition'),
    deleteDefinition: call('deleteDefinition'),
    getProfileActivation: call('getProfileActivation'),
    listAudienceMembers: call('listAudienceMembers'),
    listAudienceChanges: call('listAudienceChanges'),
    audienceSizes: call('audienceSizes'),
    explainAudience: call('explainAudience'),
    previewDefinition: call('previewDefinition'),
    claimDue: call('claimDue'),
    reevaluate: call('reevaluate'),
    nextDueAt: call('nextDueAt'),
    backfillStep: call('backfillStep'),
    readPurchaseSummaries: call('readPurchaseSummaries'),
    getProfileChurnFacts: call('getProfileChurnFacts'),
    saveChurnFit: call('saveChurnFit'),
    getChurnFit: call('getChurnFit'),
    listChurnFits: call('listChurnFits'),
    claimChurnRefit: call('claimChurnRefit'),
    nextChurnRefitAt: call('nextChurnRefitAt'),
    createWebhook: call('createWebhook'),
    listWebhooks: call('listWebhooks'),
    getWebhook: call('getWebhook'),
    updateWebhook: call('updateWebhook'),
    deleteWebhook: call('deleteWebhook'),
    rotateWebhookSecret: call('rotateWebhookSecret'),
    enqueueWebhook: call('enqueueWebhook'),
    listDeliveries: call('listDeliveries'),
    retryDelivery: call('retryDelivery'),
    replayDeliveries: call('replayDeliveries'),
    claimDeliveries: call('claimDeliveries'),
    recordDeliveryAttempts: call('recordDeliveryAttempts'),
    nextDeliveryAt: call('nextDeliveryAt'),
    applyRetention: call('applyRetention'),
    ping: call('ping'),
    close: () => {
      closing ??= host.call('close', []).then(afterClose, async (error) => {
        await afterClose();
        if (!(error instanceof StoreError && error.code === 'store_closed')) throw error;
      });
      return closing;
    },
  } as Store;
}

/**
 * How to start the worker. From `dist/` its entry is the built
 * `sqlite-worker.js` beside this module (or one folder up when this module
 * landed in a shared chunk). From TypeScript sources (vitest, tsx) Node 20
 * cannot run a .ts worker, and `--import tsx` in execArgv registers its hooks
 * too late for the entry itself: a small eval'd bootstrap registers tsx, then
 * imports the .ts entry; `source` conditions make workspace imports resolve to
 * sources as in the parent.
 */
function newWorker(workerData: object): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Resolved from this package (tsx is its devDependency), not from the process's cwd.
    // (createRequire picks the CommonJS build; the ESM register() is the one that hooks `import`.)
    const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
    const tsxApi = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
    const entry = new URL('./worker.ts', here).href;
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(bootstrap, { eval: true, workerData, execArgv: ['--conditions=source'] });
  }
  const candidates = [new URL('./sqlite-worker.js', here), new URL('../sqlite-worker.js', here)];
  const url = candidates.find((candidate) => existsSync(fileURLToPath(candidate)));
  if (!url) throw new Error(`sqlite-worker.js not found next to ${here}; run the build`);
  return new Worker(url, { workerData });
}

async function startWorker(engineOptions: object): Promise<{ worker: Worker; host: EngineHost }> {
  const worker = newWorker(engineOptions);
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let dead: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const onExit = (code: number) => reject(new Error(`sqlite worker exited with code ${code} before opening`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (ready: WorkerReady) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (ready.ready) resolve();
      else reject(deserializeError(ready.error));
    });
  });

  const failAll = (error: Error) => {
    dead = error;
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  worker.on('message', (response: RpcResponse) => {
    const entry = waiting.get(response.id);
    if (!entry) return;
    waiting.delete(response.id);
    if (response.ok) entry.resolve(response.value);
    else entry.reject(deserializeError(response.error));
  });
  worker.on('error', (error) =>
    failAll(new StoreError('store_unavailable', 'the sqlite worker failed', { cause: error })),
  );
  worker.on('exit', () => failAll(new StoreError('store_closed', 'the sqlite worker has exited')));

  const host: EngineHost = {
    call: (method, args) =>
      new Promise((resolve, reject) => {
        if (dead) return reject(dead);
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, method, args: encodeArgs(method, args) } satisfies RpcRequest);
      }),
  };
  return { worker, host };
}
