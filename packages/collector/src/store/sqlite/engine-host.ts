/**
 * Puts an async face on the synchronous engine, wherever it runs (worker or
 * inline), and does group commit: every ingest request that arrives while the
 * thread is busy (typically while the previous COMMIT is fsyncing) is written
 * in the next single transaction, then all of them are answered. No request is
 * answered before its commit.
 */
import { StoreError } from '../errors.js';
import type { PreparedEvent } from '../prepared-event.js';
import type { IngestOutcome, RetentionInput, RetentionResult, Store } from '../store.js';
import type { SqliteEngine } from './engine.js';
import { RETENTION_BATCH_EVENTS } from './retention.js';

/** Store methods the host forwards to the engine, by name: the RPC needs no per-method plumbing. */
export type EngineMethod = keyof Store;

const STORE_METHODS_LIST = [
  'ingest',
  'listEvents',
  'getEvent',
  'listProfiles',
  'getProfile',
  'listProfileEvents',
  'listMerges',
  'merge',
  'unmerge',
  'erase',
  'seedAccess',
  'loadSigningKeys',
  'getAccessSnapshot',
  'listSources',
  'getSource',
  'createSource',
  'updateSource',
  'addKey',
  'revokeKey',
  'listAdminKeys',
  'listDeletions',
  'listSuppressionStats',
  'recordRejections',
  'listRejections',
  'readEventsAfter',
  'traceMessage',
  'countEventsPerMinute',
  'getTotals',
  'summarizeWarnings',
  'lastEventPerSource',
  'searchProfiles',
  'listConsentHistory',
  'describe',
  'listSenderKeys',
  'changeSubscriptions',
  'readSubscriptionFacts',
  'getSubscriptions',
  'getSubscriptionHistory',
  'listSubscriptions',
  'getDefinitions',
  'saveDefinition',
  'deleteDefinition',
  'getProfileActivation',
  'listAudienceMembers',
  'listAudienceChanges',
  'audienceSizes',
  'explainAudience',
  'previewDefinition',
  'claimDue',
  'reevaluate',
  'nextDueAt',
  'backfillStep',
  'readPurchaseSummaries',
  'getProfileChurnFacts',
  'saveChurnFit',
  'getChurnFit',
  'listChurnFits',
  'claimChurnRefit',
  'nextChurnRefitAt',
  'createWebhook',
  'listWebhooks',
  'getWebhook',
  'updateWebhook',
  'deleteWebhook',
  'rotateWebhookSecret',
  'enqueueWebhook',
  'listDeliveries',
  'retryDelivery',
  'replayDeliveries',
  'claimDeliveries',
  'recordDeliveryAttempts',
  'nextDeliveryAt',
  'applyRetention',
  'ping',
  'close',
] as const satisfies readonly EngineMethod[];
/** Every Store method, checked both ways at compile time (a new method must be listed). */
export const STORE_METHODS: ReadonlySet<string> = new Set<EngineMethod>(STORE_METHODS_LIST);
type Missing = Exclude<EngineMethod, (typeof STORE_METHODS_LIST)[number]>;
const everyMethodListed: Missing extends never ? true : Missing = true;
void everyMethodListed;

interface PendingIngest {
  events: PreparedEvent[];
  resolve: (value: IngestOutcome[]) => void;
  reject: (error: unknown) => void;
}

export interface EngineHost {
  /** Arguments as the Store method takes them, except `ingest`: its events come prepared (`PreparedEvent[]`). */
  call(method: EngineMethod, args: unknown[]): Promise<unknown>;
}

export function createEngineHost(engine: SqliteEngine): EngineHost {
  let pending: PendingIngest[] = [];
  let scheduled = false;
  let closed = false;

  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const group = pending;
    pending = [];
    const results = engine.ingestGroup(group.map((request) => request.events));
    group.forEach((request, index) => {
      const result = results[index];
      if (result?.ok) request.resolve(result.value);
      else request.reject(result?.error);
    });
  };

  const call = async (method: EngineMethod, args: unknown[]): Promise<unknown> => {
    if (closed) throw new StoreError('store_closed', 'the store is closed');
    switch (method) {
      case 'ingest':
        return new Promise<IngestOutcome[]>((resolve, reject) => {
          pending.push({ events: args[0] as PreparedEvent[], resolve, reject });
          if (!scheduled) {
            scheduled = true;
            // setImmediate runs after the requests already queued for this thread
            // were received, so they all join this transaction.
            setImmediate(flush);
          }
        });
      case 'applyRetention': {
        // Batch by batch, yielding between them: ingest requests that arrived meanwhile commit in between.
        const { before } = args[0] as RetentionInput;
        const result: RetentionResult = { events: 0, partitions: [] };
        for (;;) {
          if (closed) return result;
          const deleted = engine.deleteEventsBefore(before, RETENTION_BATCH_EVENTS);
          result.events += deleted;
          if (deleted < RETENTION_BATCH_EVENTS) return result;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      case 'close':
        flush();
        closed = true;
        engine.close();
        return undefined;
      default: {
        // Every other Store method has a synchronous twin of the same name on the engine.
        if (!STORE_METHODS.has(method)) throw new Error(`unknown store method ${String(method)}`);
        const fn = engine[method] as (...a: unknown[]) => unknown;
        return fn.apply(engine, args);
      }
    }
  };

  return { call };
}
