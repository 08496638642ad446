/**
 * Subscriptions inside the SQLite store. Every change, whatever its source
 * (SDK identify inside the event's transaction, API, one-click, import, a
 * sender's report), goes through `applyChange`: the conflict rule, the state
 * row, the history row and the profile's timeline event are written there and
 * nowhere else. Callers open the transactions.
 */
import type {
  Page,
  SubscriptionChannel,
  SubscriptionHistoryEntry,
  SubscriptionProof,
  SubscriptionSource,
  SubscriptionState,
  SubscriptionStatus,
} from '@exhaust/schema';
import type { Database } from 'better-sqlite3';
import type { AddressFacts } from '../../../activation/index.js';
import { decideChange } from '../../../subscriptions/conflict.js';
import { ADDRESS_KIND, type AddressKind, type SubscriptionChange } from '../../../subscriptions/model.js';
import type { CheckFacts, KeptForCheck } from '../../../subscriptions/precedence.js';
import { decodeKeyCursor, encodeKeyCursor } from '../../cursor.js';
import { suppressionHash } from '../../identity-keys.js';
import type {
  SubscriptionChangeOutcome,
  SubscriptionExportQuery,
  SubscriptionExportRow,
  SubscriptionKey,
  SubscriptionQuery,
} from '../../store.js';

export { SUBSCRIPTIONS_MIGRATION_SQL } from './schema.js';

/** Channel-level rows have this topic (a primary key column cannot be null). */
const CHANNEL_TOPIC = '';

interface StateRow {
  channel: SubscriptionChannel;
  address: string;
  topic: string;
  status: SubscriptionStatus;
  at_ms: number;
  source: SubscriptionSource;
  proof: string | null;
}

interface HistoryRow extends StateRow {
  id: number;
  previous: SubscriptionStatus;
  recorded_at: string;
}

/** A timeline event for the profile owning an address, appended by the engine (it owns seq and dedupe). */
export interface TimelineEvent {
  fragmentId: number;
  /** Unique per change: `subscription-<history id>`. */
  messageId: string;
  event: 'Subscribed' | 'Unsubscribed';
  at: string;
  properties: Record<string, string | null>;
}

/** One change as applied, told to the engine (webhook outbox, audiences) inside the same transaction. */
export interface AppliedSubscriptionChange {
  /** The history row's id: stable, never given twice. */
  historyId: number;
  channel: SubscriptionChannel;
  address: string;
  topic: string | null;
  status: SubscriptionStatus;
  previous: SubscriptionStatus;
  source: SubscriptionSource;
  /** When the change happened, ISO 8601. */
  at: string;
  /** The fragment holding the address as an identifier (email, phone); null when none. */
  fragmentId: number | null;
}

export interface SubscriptionsDeps {
  /** Writes a track event on the profile's timeline inside the current transaction. */
  appendTimelineEvent(event: TimelineEvent, recordedAt: string): void;
  /** Told of every applied change right after its history row, inside the current transaction. */
  changed?(change: AppliedSubscriptionChange, recordedAt: string): void;
}

/** The hash kept on the contact suppression list: same form as identity's suppression list. */
export const contactHash = (kind: AddressKind, address: string) => suppressionHash({ type: kind, value: address });

const toKept = (row: StateRow | undefined): KeptForCheck | null =>
  row ? { status: row.status, since: new Date(row.at_ms).toISOString(), source: row.source } : null;

const proofOf = (text: string | null): SubscriptionProof | null => (text === null ? null : JSON.parse(text));

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
    deps.changed?.(
      {
        historyId,
        channel: change.channel,
        address: change.address,
        topic: change.topic,
        status: change.status,
        previous,
        source: change.source,
        at: new Date(atMs).toISOString(),
        fragmentId: fragmentId ?? null,
      },
      recordedAt,
    );
    if (fragmentId !== undefined) {
      deps.appendTimelineEvent(
        {
          fragmentId,
          messageId: `subscription-${historyId}`,
          event: change.status === 'subscribed' ? 'Subscribed' : 'Unsubscribed',
          at: new Date(atMs).toISOString(),
          properties: {
            channel: change.channel,
            address: change.address,
            topic: change.topic,
            status: change.status,
            previousStatus: previous,
            source: change.source,
          },
        },
        recordedAt,
      );
    }
    return { applied: true, skipped: null };
  }

  function stateOf(rows: StateRow[]): SubscriptionState | null {
    const first = rows[0];
    if (!first) return null;
    const channelRow = rows.find((row) => row.topic === CHANNEL_TOPIC);
    const topics: SubscriptionState['topics'] = {};
    for (const row of rows) {
      if (row.topic === CHANNEL_TOPIC) continue;
      topics[row.topic] = { status: row.status, since: new Date(row.at_ms).toISOString(), source: row.source };
    }
    return {
      channel: first.channel,
      address: first.address,
      status: channelRow?.status ?? 'none',
      since: channelRow ? new Date(channelRow.at_ms).toISOString() : null,
      source: channelRow?.source ?? null,
      proof: proofOf(channelRow?.proof ?? null),
      topics,
    };
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
        .map((key) => stateOf(sql.statesOf.all(key.channel, key.address) as StateRow[]))
        .filter((state): state is SubscriptionState => state !== null);
    },

    history(key: SubscriptionKey): SubscriptionHistoryEntry[] {
      return (sql.historyOf.all(key.channel, key.address) as HistoryRow[]).map((row) => ({
        topic: row.topic === CHANNEL_TOPIC ? null : row.topic,
        status: row.status,
        previous: row.previous,
        source: row.source,
        at: new Date(row.at_ms).toISOString(),
        recordedAt: row.recorded_at,
        proof: proofOf(row.proof),
      }));
    },

    isErased,

    /** What an audience's `{ subscription }` node reads for each (channel, address), in the order asked. */
    addressFacts(keys: SubscriptionKey[]): AddressFacts[] {
      return keys.map(({ channel, address }) => {
        const rows = sql.statesOf.all(channel, address) as StateRow[];
        const topics: Record<string, KeptForCheck> = {};
        let status: KeptForCheck | null = null;
        for (const row of rows) {
          if (row.topic === CHANNEL_TOPIC) status = toKept(row);
          else topics[row.topic] = toKept(row) as KeptForCheck;
        }
        return { channel, address, erased: isErased(channel, address), status, topics };
      });
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
        data: page.map((row) => ({
          channel: row.channel,
          address: row.address,
          topic: row.topic === CHANNEL_TOPIC ? null : row.topic,
          status: row.status,
          since: new Date(row.at_ms).toISOString(),
          source: row.source,
        })),
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
