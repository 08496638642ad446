/**
 * Subscriptions inside the PostgreSQL store. Every change, whatever its source
 * (SDK identify inside the ingest group's transaction, API, one-click, import,
 * a sender's report), goes through `applyChange`: the conflict rule, the state
 * row, the history row and the profile's timeline event are written there and
 * nowhere else. Callers open the transactions.
 *
 * Several collectors may change one (channel, address, topic) at once: the
 * conflict rule is decided with the state row locked (`FOR UPDATE`), and a
 * state that does not exist yet is created with `ON CONFLICT DO NOTHING`; when
 * a twin created it first, the row is read again, locked. So the states always
 * equal the last applied change of each key's history.
 */
import type { Page, SubscriptionChannel, SubscriptionHistoryEntry, SubscriptionState } from '@exhaust/schema';
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
  type SubscriptionHistoryRow,
  type SubscriptionStateRow,
  timelineEventOf,
  timelinePayload,
  toAddressFacts,
  toExportRow,
  toHistoryEntry,
  toKept,
  toSubscriptionState,
} from '../../subscription-rows.js';
import { appendSystemEvent, SYSTEM_EVENT_SOURCE } from '../events.js';
import type { Queryable } from '../pool.js';

export { SUBSCRIPTIONS_MIGRATION_SQL } from './schema.js';

/** The other areas told of each applied change (audiences reading subscriptions, the webhook outbox). */
export interface PgSubscriptionsDeps {
  /** Told of every applied change right after its history row, inside the current transaction. */
  changed(db: Queryable, change: AppliedSubscriptionChange, recordedAt: string): Promise<void> | void;
}

const STATE_COLUMNS = 'channel, address, topic, status, at_ms, source, proof';

/** Channels keyed by each address kind (email: email; phone: sms, phone, whatsapp; push: push). */
const CHANNELS_OF_KIND = (Object.keys(ADDRESS_KIND) as SubscriptionChannel[]).reduce(
  (byKind, channel) => {
    byKind[ADDRESS_KIND[channel]].push(channel);
    return byKind;
  },
  { email: [], phone: [], push: [] } as Record<AddressKind, SubscriptionChannel[]>,
);

async function isErased(db: Queryable, channel: SubscriptionChannel, address: string): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'sub_is_erased',
    text: 'SELECT 1 FROM sub_contact_suppressions WHERE hash = $1',
    values: [contactHash(ADDRESS_KIND[channel], address)],
  });
  return (rowCount ?? 0) > 0;
}

/** Every state row of these (channel, address) keys, in one query, grouped per key in the order asked. */
async function rowsOf(db: Queryable, keys: SubscriptionKey[]): Promise<SubscriptionStateRow[][]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<SubscriptionStateRow & { n: number }>({
    name: 'sub_states_of',
    text: `SELECT k.n, s.channel, s.address, s.topic, s.status, s.at_ms, s.source, s.proof
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(channel, address, n)
           JOIN sub_states s ON s.channel = k.channel AND s.address = k.address
           ORDER BY k.n, s.topic`,
    values: [keys.map((key) => key.channel), keys.map((key) => key.address)],
  });
  const grouped: SubscriptionStateRow[][] = keys.map(() => []);
  for (const { n, ...row } of rows) grouped[n - 1]!.push(row);
  return grouped;
}

/** The contact suppression entries among these addresses, as a set of indexes into `keys`. */
async function erasedOf(db: Queryable, keys: SubscriptionKey[]): Promise<Set<number>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ n: number }>({
    name: 'sub_erased_of',
    text: `SELECT k.n FROM unnest($1::bytea[]) WITH ORDINALITY AS k(hash, n)
           WHERE EXISTS (SELECT 1 FROM sub_contact_suppressions s WHERE s.hash = k.hash)`,
    values: [keys.map((key) => contactHash(ADDRESS_KIND[key.channel], key.address))],
  });
  return new Set(rows.map((row) => row.n - 1));
}

export function createPgSubscriptions(deps: PgSubscriptionsDeps) {
  /** The state of one key, locked until the transaction ends; null when there is none. */
  async function lockedState(db: Queryable, change: SubscriptionChange, topic: string) {
    const { rows } = await db.query<SubscriptionStateRow>({
      name: 'sub_state_for_update',
      text: `SELECT ${STATE_COLUMNS} FROM sub_states WHERE channel = $1 AND address = $2 AND topic = $3 FOR UPDATE`,
      values: [change.channel, change.address, topic],
    });
    return rows[0] ?? null;
  }

  /**
   * THE place a subscription changes: the state row, the history row, then
   * `deps.changed` and the timeline event, all in the caller's transaction.
   */
  async function applyChange(
    db: Queryable,
    change: SubscriptionChange,
    recordedAt: string,
  ): Promise<SubscriptionChangeOutcome> {
    if (await isErased(db, change.channel, change.address)) return { applied: false, skipped: 'erased' };
    const topic = change.topic ?? CHANNEL_TOPIC;
    const atMs = Date.parse(change.at);
    const values = [
      change.channel,
      change.address,
      topic,
      change.status,
      atMs,
      change.source,
      change.proof ? JSON.stringify(change.proof) : null,
    ];
    let current: SubscriptionStateRow | null;
    for (;;) {
      current = await lockedState(db, change, topic);
      const decision = decideChange(current ? { status: current.status, atMs: current.at_ms } : null, {
        status: change.status,
        atMs,
      });
      if (!decision.apply) return { applied: false, skipped: decision.skipped };
      if (current) {
        await db.query({
          name: 'sub_state_update',
          text: `UPDATE sub_states SET status = $4, at_ms = $5, source = $6, proof = $7
                 WHERE channel = $1 AND address = $2 AND topic = $3`,
          values,
        });
        break;
      }
      // Waits for a twin inserting the same key; when it committed first, decide again against its row.
      const inserted = await db.query({
        name: 'sub_state_insert',
        text: `INSERT INTO sub_states (${STATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (channel, address, topic) DO NOTHING`,
        values,
      });
      if ((inserted.rowCount ?? 0) > 0) break;
    }
    const previous = current?.status ?? 'none';
    const { rows } = await db.query<{ id: number }>({
      name: 'sub_history_insert',
      text: `INSERT INTO sub_history (channel, address, topic, status, at_ms, source, proof, previous, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      values: [...values, previous, recordedAt],
    });
    const kind = ADDRESS_KIND[change.channel];
    const owner =
      kind === 'push'
        ? undefined
        : (
            await db.query<{ fragment_id: number }>({
              name: 'sub_owner',
              text: 'SELECT fragment_id FROM id_identifiers WHERE type = $1 AND value = $2',
              values: [kind, change.address],
            })
          ).rows[0]?.fragment_id;
    const applied = appliedChange(change, rows[0]!.id, previous, owner ?? null);
    await deps.changed(db, applied, recordedAt);
    if (owner !== undefined) {
      const event = timelineEventOf({ ...applied, fragmentId: owner });
      await appendSystemEvent(db, {
        fragmentId: owner,
        messageId: event.messageId,
        eventName: event.event,
        at: event.at,
        receivedAt: recordedAt,
        payload: timelinePayload(event, SYSTEM_EVENT_SOURCE),
      });
    }
    return { applied: true, skipped: null };
  }

  return {
    applyChange,

    /** In the order given: a later change of a batch is decided against an earlier one. */
    async apply(
      db: Queryable,
      changes: SubscriptionChange[],
      recordedAt: string,
    ): Promise<SubscriptionChangeOutcome[]> {
      const outcomes: SubscriptionChangeOutcome[] = [];
      for (const change of changes) outcomes.push(await applyChange(db, change, recordedAt));
      return outcomes;
    },
  };
}

export type PgSubscriptions = ReturnType<typeof createPgSubscriptions>;

export async function subscriptionFacts(db: Queryable, queries: SubscriptionQuery[]): Promise<CheckFacts[]> {
  const [rows, erased] = [await rowsOf(db, queries), await erasedOf(db, queries)];
  return queries.map((query, i) => {
    const of = rows[i]!;
    return {
      erased: erased.has(i),
      channel: toKept(of.find((row) => row.topic === CHANNEL_TOPIC)),
      topic: query.topic === null ? null : toKept(of.find((row) => row.topic === query.topic)),
    };
  });
}

/** The states of the keys that have any, in the order asked. */
export async function subscriptionStates(db: Queryable, keys: SubscriptionKey[]): Promise<SubscriptionState[]> {
  return (await rowsOf(db, keys))
    .map(toSubscriptionState)
    .filter((state): state is SubscriptionState => state !== null);
}

export async function subscriptionHistory(db: Queryable, key: SubscriptionKey): Promise<SubscriptionHistoryEntry[]> {
  const { rows } = await db.query<SubscriptionHistoryRow>(
    'SELECT * FROM sub_history WHERE channel = $1 AND address = $2 ORDER BY id',
    [key.channel, key.address],
  );
  return rows.map(toHistoryEntry);
}

/** What an audience's `{ subscription }` node reads for each (channel, address), in the order asked. */
export async function addressFacts(db: Queryable, keys: SubscriptionKey[]): Promise<AddressFacts[]> {
  const [rows, erased] = [await rowsOf(db, keys), await erasedOf(db, keys)];
  return keys.map(({ channel, address }, i) => toAddressFacts(channel, address, rows[i]!, erased.has(i)));
}

/** Keyset pages over (channel, address, topic), filtered by channel and status. */
export async function listSubscriptions(
  db: Queryable,
  query: SubscriptionExportQuery,
): Promise<Page<SubscriptionExportRow>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.channel) where.push(`channel = ${param(query.channel)}`);
  if (query.status) where.push(`status = ${param(query.status)}`);
  if (query.cursor) {
    const [channel, address, topic] = decodeKeyCursor(query.cursor, 3);
    where.push(`(channel, address, topic) > (${param(channel)}, ${param(address)}, ${param(topic)})`);
  }
  const { rows } = await db.query<SubscriptionStateRow>(
    `SELECT ${STATE_COLUMNS} FROM sub_states ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY channel, address, topic LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const last = page.at(-1);
  return {
    data: page.map(toExportRow),
    nextCursor: more && last ? encodeKeyCursor([last.channel, last.address, last.topic]) : null,
  };
}

/**
 * Erasure: deletes the states and history of the person's addresses and,
 * when `suppress`, lists the addresses (hashed) so none can be subscribed
 * again. Counts like the SQLite store: state and history rows deleted, and
 * addresses newly suppressed.
 */
export async function eraseSubscriptions(
  db: Queryable,
  addresses: { kind: AddressKind; value: string }[],
  suppress: boolean,
  deletionId: string,
): Promise<{ subscriptions: number; contactSuppressed: number }> {
  const channels = addresses.flatMap(({ kind }) => CHANNELS_OF_KIND[kind]);
  const values = addresses.flatMap(({ kind, value }) => CHANNELS_OF_KIND[kind].map(() => value));
  let subscriptions = 0;
  if (channels.length > 0) {
    for (const table of ['sub_states', 'sub_history']) {
      const { rowCount } = await db.query(
        `DELETE FROM ${table} t USING unnest($1::text[], $2::text[]) AS k(channel, address)
         WHERE t.channel = k.channel AND t.address = k.address`,
        [channels, values],
      );
      subscriptions += rowCount ?? 0;
    }
  }
  let contactSuppressed = 0;
  if (suppress && addresses.length > 0) {
    const { rowCount } = await db.query(
      `INSERT INTO sub_contact_suppressions (hash, deletion_id) SELECT h, $2 FROM unnest($1::bytea[]) AS h
       ON CONFLICT (hash) DO NOTHING`,
      [addresses.map(({ kind, value }) => contactHash(kind, value)), deletionId],
    );
    contactSuppressed = rowCount ?? 0;
  }
  return { subscriptions, contactSuppressed };
}
