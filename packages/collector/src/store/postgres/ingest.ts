/**
 * Writing one group of ingest requests to PostgreSQL: one transaction, one
 * savepoint per request (a failing request rolls back alone), dedupe, identity
 * and the event rows. Before its first event the group takes the identifier
 * locks of every event, sorted; a deadlock or serialization failure with
 * another collector runs the whole group again (nothing of it was answered).
 * Round trips are per request where the work allows it: the dedupe claims,
 * the event rows and the warnings of a request go in one statement each;
 * identity resolution stays per event (each may depend on the one before).
 */
import type { EventWarning } from '@exhaust/schema';
import type pg from 'pg';
import type { IdentityConfig } from '../../identity/config.js';
import { IDENTIFIER_FREE_WARNINGS, type PreparedEvent } from '../prepared-event.js';
import type { IngestOutcome } from '../store.js';
import type { ActivationRequests, PgActivation } from './activation/index.js';
import {
  claimMessages,
  type EventRowInput,
  insertEvents,
  recordSource,
  recordWarnings,
  type WarningRowsInput,
} from './events.js';
import type { GroupResult } from './group-commit.js';
import { type IdentityTx, identityTx } from './identity/graph.js';
import { identifierLockKeysOf, newResolveGroup, type ResolveGroup, resolveEvent } from './identity/resolve.js';
import { lockIdentifierKeys } from './locks.js';
import type { Partitions } from './partitions.js';
import { acquire, isRetryable, isUnavailable, type Queryable, rollbackQuietly, toStoreError } from './pool.js';
import type { PgSubscriptions } from './subscriptions/index.js';
import type { PgOutbox, PgWebhooks } from './webhooks/index.js';

/** Attempts of one group when PostgreSQL aborts it for a deadlock or a serialization failure. */
export const GROUP_ATTEMPTS_MAX = 5;

export interface IngestContext {
  pool: pg.Pool;
  config: IdentityConfig;
  partitions: Partitions;
  /** Sources known to be in `event_sources` (committed), shared by the store's groups. */
  sources: Set<string>;
  webhooks: PgWebhooks;
  /** An identify's `messaging_subscriptions` are applied in the request's savepoint. */
  subscriptions: PgSubscriptions;
  /** Evaluates activation definitions at the end of each request, inside its savepoint. */
  activation: PgActivation;
}

export async function writeGroup(ctx: IngestContext, requests: PreparedEvent[][]): Promise<GroupResult[]> {
  const results: (GroupResult | undefined)[] = new Array(requests.length);
  for (let attempt = 1; ; attempt += 1) {
    const todo = await ensurePartitions(ctx, requests, results);
    try {
      const written = await attemptGroup(
        ctx,
        todo.map((index) => requests[index]!),
      );
      todo.forEach((index, i) => {
        results[index] = written[i];
      });
      return results as GroupResult[];
    } catch (error) {
      if (isMissingPartition(error) && attempt < GROUP_ATTEMPTS_MAX) {
        // Retention dropped a month this collector knew (it or another collector): make it again.
        ctx.partitions.forget();
        continue;
      }
      if (isRetryable(error) && attempt < GROUP_ATTEMPTS_MAX) continue;
      throw toStoreError(error);
    }
  }
}

/** Makes the partitions of the group's months exist; a request with a timestamp out of range fails alone. */
async function ensurePartitions(
  ctx: IngestContext,
  requests: PreparedEvent[][],
  results: (GroupResult | undefined)[],
): Promise<number[]> {
  try {
    // NOTE: and the current month's: the events the collector appends itself (audience lifecycle) are dated now.
    const failures = await ctx.partitions.ensure([
      new Date().toISOString(),
      ...requests.flat().map((event) => event.timestamp),
    ]);
    requests.forEach((events, index) => {
      const bad = events.find((event) => failures.has(event.timestamp));
      if (bad) results[index] = { ok: false, error: failures.get(bad.timestamp) };
    });
  } catch (error) {
    throw toStoreError(error);
  }
  return requests.map((_, index) => index).filter((index) => results[index] === undefined);
}

/** An insert found no partition for its month: retention dropped it after `ensure` last saw it. */
export function isMissingPartition(error: unknown): boolean {
  return (
    (error as { code?: string } | null)?.code === '23514' &&
    /no partition of relation/i.test((error as Error).message ?? '')
  );
}

async function attemptGroup(ctx: IngestContext, requests: PreparedEvent[][]): Promise<GroupResult[]> {
  if (requests.length === 0) return [];
  const client = await acquire(ctx.pool);
  let broken: Error | undefined;
  const tx = identityTx(client, ctx.config);
  const group = newResolveGroup();
  const newSources = new Set<string>();
  const results: GroupResult[] = [];
  try {
    await client.query('BEGIN');
    // NOTE: webhooks first: the endpoints lock comes before every other lock (see webhooks/outbox.ts).
    const outbox = await ctx.webhooks.open(client);
    await lockIdentifierKeys(
      client,
      requests.flat().flatMap((event) => identifierLockKeysOf(event, tx)),
    );
    const activation = await ctx.activation.beginGroup(tx);
    // A request alone in its group needs no savepoint: rolling back the transaction rolls back it alone.
    const alone = requests.length === 1;
    let rolledBack = false;
    for (const events of requests) {
      if (!alone) await client.query('SAVEPOINT request');
      const lockedBefore = new Set(tx.lockedRoots);
      const sourcesBefore = new Set(newSources);
      try {
        const value: IngestOutcome[] = [];
        const claims = requestClaims(events);
        const writes: RequestWrites = { events: [], warnings: [] };
        for (const [index, event] of events.entries()) {
          const seq = await claims.seqOf(tx.db, index);
          value.push(await ingestOne(ctx, tx, group, newSources, { outbox, activation }, event, seq, writes));
        }
        // NOTE: before the flush: activation reads the request's events back from the table.
        await insertEvents(tx.db, writes.events);
        await recordWarnings(tx.db, writes.warnings);
        // Definitions are evaluated once per touched profile per request, in its savepoint.
        if (activation.active) await activation.flushRequest(Date.now());
        if (!alone) await client.query('RELEASE SAVEPOINT request');
        results.push({ ok: true, value });
      } catch (error) {
        activation.discardRequest();
        // Not this request's fault: the connection, a deadlock that aborts the whole group, or a month
        // dropped by retention (the group runs again after the partition is made anew).
        if (isUnavailable(error) || isRetryable(error) || isMissingPartition(error)) throw error;
        if (alone) {
          await client.query('ROLLBACK');
          rolledBack = true;
        } else {
          await client.query('ROLLBACK TO SAVEPOINT request');
          await client.query('RELEASE SAVEPOINT request');
        }
        // Locks taken inside the rolled-back savepoint were released with it.
        tx.lockedRoots = lockedBefore;
        newSources.clear();
        for (const name of sourcesBefore) newSources.add(name);
        results.push({ ok: false, error });
      }
    }
    if (!rolledBack) {
      await ctx.activation.beforeCommit(client);
      await client.query('COMMIT');
    }
  } catch (error) {
    broken = await rollbackQuietly(client, error);
    throw error;
  } finally {
    client.release(broken);
  }
  for (const name of newSources) ctx.sources.add(name);
  return results;
}

async function ingestOne(
  ctx: IngestContext,
  tx: IdentityTx,
  group: ResolveGroup,
  newSources: Set<string>,
  areas: { outbox: PgOutbox; activation: ActivationRequests },
  event: PreparedEvent,
  seq: number | null,
  writes: RequestWrites,
): Promise<IngestOutcome> {
  if (!ctx.sources.has(event.source) && !newSources.has(event.source)) {
    await recordSource(tx.db, event.source);
    newSources.add(event.source);
  }
  if (seq === null) {
    const warnings: EventWarning[] = [{ code: 'duplicate_message_id', detail: null }];
    writes.warnings.push({ event, warnings });
    return { status: 'duplicate', profileId: null, warnings };
  }
  const resolution = await resolveEvent(tx, group, event, seq);
  const warnings = [...event.warnings, ...resolution.warnings];
  if (resolution.suppressed) {
    writes.warnings.push({
      event,
      warnings: warnings.filter((warning) => IDENTIFIER_FREE_WARNINGS.has(warning.code)),
    });
    return { status: 'suppressed', profileId: null, warnings };
  }
  writes.events.push({ event, seq, fragmentId: resolution.fragmentId });
  if (event.subscriptions) await ctx.subscriptions.apply(tx.db, event.subscriptions, event.receivedAt);
  writes.warnings.push({ event, warnings });
  const { outbox, activation } = areas;
  if (activation.active && resolution.rootId !== null) {
    activation.noteEvent(event, resolution.rootId, resolution.mergedRoots);
  }
  await outbox.eventReceived(event, resolution.profileId);
  if (resolution.mergedRoots.length > 0 && resolution.profileId !== null) {
    await outbox.mergedByEvent(resolution.profileId, resolution.mergedRoots);
  }
  return { status: 'stored', profileId: resolution.profileId, warnings };
}

/** What a request writes once its events are resolved, in event order. */
interface RequestWrites {
  events: EventRowInput[];
  warnings: WarningRowsInput[];
}

/**
 * The seqs of one request's events, claimed a run at a time: a run ends at an event with
 * subscription changes, whose timeline event (appended while it is ingested) draws the next
 * seq, so that seq order stays arrival order exactly as when every event claimed its own.
 */
function requestClaims(events: readonly PreparedEvent[]) {
  const seqs: (number | null)[] = [];
  return {
    async seqOf(db: Queryable, index: number): Promise<number | null> {
      if (index >= seqs.length) {
        let end = index;
        while (end < events.length - 1 && !events[end]!.subscriptions) end += 1;
        seqs.push(...(await claimMessages(db, events.slice(index, end + 1))));
      }
      return seqs[index]!;
    },
  };
}
