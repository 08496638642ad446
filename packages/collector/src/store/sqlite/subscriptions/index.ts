/**
 * Subscriptions inside the SQLite store. Every change, whatever its source
 * (SDK identify inside the event's transaction, API, one-click, import, a
 * sender's report), goes through `applyChange`: the conflict rule, the state
 * row, the history row and the profile's timeline event are written there and
 * nowhere else. Callers open the transactions.
 */
import type { Page, SubscriptionChannel, SubscriptionHistoryEntry, SubscriptionState } from '@exhaust/schema';
import type { Database } from 'better-sqlite3';
import type { AddressFacts } from '../../../activation/index.js';
import { decideChange } from '../../../subscriptions/conflict.js';
import { ADDRESS_KIND, type AddressKind, type SubscriptionChange } from '../../../subscriptions/model.js';
import type { CheckFacts } from '../../../subscriptions/precedence.js';
import { decodeKeyCursor, encodeKeyCursor } from '../../cursor.js';
import type {
  SubscriptionChangeOutcome,
  SubscriptionExportQuery,
  SubscriptionExportRow,
  SubscriptionKey,
  SubscriptionQuery,
} from '../../store.js';
import {
  type AppliedSubscriptionChange,
  appliedChange,
  CHANNEL_TOPIC,
  contactHash,
  type SubscriptionHistoryRow as HistoryRow,
  type SubscriptionStateRow as StateRow,
  type TimelineEvent,
  timelineEventOf,
  toAddressFacts,
  toExportRow,
  toHistoryEntry,
  toKept,
  toSubscriptionState,
} from '../../subscription-rows.js';

export { SUBSCRIPTIONS_MIGRATION_SQL } from './schema.js';
export { type AppliedSubscriptionChange, contactHash, type TimelineEvent };

export interface SubscriptionsDeps {
  /** Writes a track event on the profile's timeline inside the current transaction. */
  appendTimelineEvent(event: TimelineEvent, recordedAt: string): void;
  /** Told of every applied change right after its history row, inside the current transaction. */
  changed?(change: AppliedSubscriptionChange, recordedAt: string): void;
}

export function createSqliteSubscriptions(db: Database, deps: SubscriptionsDeps) {
  const sql = {
    state: db.prepare('SELECT * FROM sub_states WHERE channel = ? AND address = ? AND topic = ?'),
    statesOf: db.prepare('SELECT * FROM sub_states WHERE channel = ? AND address = ? ORDER BY topic'),
    upsert: db.prepare(
      `INSERT INTO sub_states (channel, address, topic, status, at_ms, source, proof)
       VALUES (@channel, @address, @topic, @status, @atMs, @source, @proof)
       ON CONFLICT (channel, address, topic) DO UPDATE SET status = excluded.status, at_ms = excluded.at_ms,
         source = excluded.source, proof = excluded.proof`,
    ),
    history: db.prepare(
      `INSERT INTO sub_history (channel, address, topic, status, previous, at_ms, source, proof, recorded_at)
       VALUES (@channel, @address, @topic, @status, @previous, @atMs, @source, @proof, @recordedAt)`,
    ),
    historyOf: db.prepare('SELECT * FROM sub_history WHERE channel = ? AND address = ? ORDER BY id'),
    suppressed: db.prepare('SELECT 1 FROM sub_contact_suppressions WHERE hash = ?').pluck(),
    suppress: db.prepare('INSERT OR IGNORE INTO sub_contact_suppressions (hash, deletion_id) VALUES (?, ?)'),
    owner: db.prepare('SELECT fragment_id FROM id_identifiers WHERE type = ? AND value = ?').pluck(),
    deleteStates: db.prepare('DELETE FROM sub_states WHERE channel = ? AND address = ?'),
    deleteHistory: db.prepare('DELETE FROM sub_history WHERE channel = ? AND address = ?'),
  };

  const isErased = (channel: SubscriptionChannel, address: string) =>
    sql.suppressed.get(contactHash(ADDRESS_KIND[channel], address)) !== undefined;

  /**
   * THE place a subscription changes: the state row, the history row, then
   * `deps.changed` (the webhook outbox and the audiences reading subscriptions)
   * and the timeline event, all in the caller's transaction.
   */
  function applyChange(change: SubscriptionChange, recordedAt: string): SubscriptionChangeOutcome {
    if (isErased(change.channel, change.address)) return { applied: false, skipped: 'erased' };
    const topic = change.topic ?? CHANNEL_TOPIC;
    const current = sql.state.get(change.channel, change.address, topic) as StateRow | undefined;
    const atMs = Date.parse(change.at);
    const decision = decideChange(current ? { status: current.status, atMs: current.at_ms } : null, {
      status: change.status,
      atMs,
    });
    if (!decision.apply) return { applied: false, skipped: decision.skipped };
    const row = {
      channel: change.channel,
      address: change.address,
      topic,
      status: change.status,
      atMs,
      source: change.source,
      proof: change.proof ? JSON.stringify(change.proof) : null,
    };
    sql.upsert.run(row);
    const previous = current?.status ?? 'none';
    const historyId = Number(sql.history.run({ ...row, previous, recordedAt }).lastInsertRowid);
    const kind = ADDRESS_KIND[change.channel];
    const fragmentId = kind === 'push' ? undefined : (sql.owner.get(kind, change.address) as number | undefined);
    const applied = appliedChange(change, historyId, previous, fragmentId ?? null);
    deps.changed?.(applied, recordedAt);
    if (fragmentId !== undefined) deps.appendTimelineEvent(timelineEventOf({ ...applied, fragmentId }), recordedAt);
    return { applied: true, skipped: null };
  }

  return {
    applyChange,

    apply(changes: SubscriptionChange[], recordedAt: string): SubscriptionChangeOutcome[] {
      return changes.map((change) => applyChange(change, recordedAt));
    },

    facts(queries: SubscriptionQuery[]): CheckFacts[] {
      return queries.map((query) => ({
        erased: isErased(query.channel, query.address),
        channel: toKept(sql.state.get(query.channel, query.address, CHANNEL_TOPIC) as StateRow | undefined),
        topic:
          query.topic === null
            ? null
            : toKept(sql.state.get(query.channel, query.address, query.topic) as StateRow | undefined),
      }));
    },

    states(keys: SubscriptionKey[]): SubscriptionState[] {
      return keys
        .map((key) => toSubscriptionState(sql.statesOf.all(key.channel, key.address) as StateRow[]))
        .filter((state): state is SubscriptionState => state !== null);
    },

    history(key: SubscriptionKey): SubscriptionHistoryEntry[] {
      return (sql.historyOf.all(key.channel, key.address) as HistoryRow[]).map(toHistoryEntry);
    },

    isErased,

    /** What an audience's `{ subscription }` node reads for each (channel, address), in the order asked. */
    addressFacts(keys: SubscriptionKey[]): AddressFacts[] {
      return keys.map(({ channel, address }) =>
        toAddressFacts(channel, address, sql.statesOf.all(channel, address) as StateRow[], isErased(channel, address)),
      );
    },

    /** Keyset pages over (channel, address, topic), filtered by channel and status. */
    list(query: SubscriptionExportQuery): Page<SubscriptionExportRow> {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.channel) {
        where.push('channel = ?');
        params.push(query.channel);
      }
      if (query.status) {
        where.push('status = ?');
        params.push(query.status);
      }
      if (query.cursor) {
        const [channel, address, topic] = decodeKeyCursor(query.cursor, 3);
        where.push('(channel, address, topic) > (?, ?, ?)');
        params.push(channel, address, topic);
      }
      const rows = db
        .prepare(
          `SELECT * FROM sub_states ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY channel, address, topic LIMIT ?`,
        )
        .all(...params, query.limit + 1) as StateRow[];
      const more = rows.length > query.limit;
      const page = more ? rows.slice(0, query.limit) : rows;
      const last = page.at(-1);
      return {
        data: page.map(toExportRow),
        nextCursor: more && last ? encodeKeyCursor([last.channel, last.address, last.topic]) : null,
      };
    },

    /**
     * Erasure: deletes the states and history of the person's addresses and,
     * when `suppress`, lists the addresses (hashed) so none can be subscribed again.
     */
    erase(
      addresses: { kind: AddressKind; value: string }[],
      suppress: boolean,
      deletionId: string,
    ): { subscriptions: number; contactSuppressed: number } {
      let subscriptions = 0;
      let contactSuppressed = 0;
      for (const { kind, value } of addresses) {
        for (const channel of Object.keys(ADDRESS_KIND) as SubscriptionChannel[]) {
          if (ADDRESS_KIND[channel] !== kind) continue;
          subscriptions += sql.deleteStates.run(channel, value).changes;
          subscriptions += sql.deleteHistory.run(channel, value).changes;
        }
        if (suppress) contactSuppressed += sql.suppress.run(contactHash(kind, value), deletionId).changes;
      }
      return { subscriptions, contactSuppressed };
    },
  };
}

export type SqliteSubscriptions = ReturnType<typeof createSqliteSubscriptions>;
