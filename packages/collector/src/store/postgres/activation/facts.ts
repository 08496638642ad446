/**
 * Loads what the pure engine reads about one canonical profile from
 * PostgreSQL: its current traits and the events any definition may need,
 * across all its fragments. Lifecycle events the collector wrote itself
 * (source `exhaust`) are never facts, so they never re-trigger anything.
 */
import type { JsonObject, MessageType, SubscriptionChannel } from '@exhaust/schema';
import type { ChurnFacts } from '../../../activation/churn/outputs.js';
import type { AddressFacts, FactEvent, ProfileFacts } from '../../../activation/index.js';
import { resolveTraits } from '../../../identity/traits.js';
import { CHANNELS_OF_IDENTIFIER } from '../../../subscriptions/model.js';
import type { DefinitionsView } from '../../activation-records.js';
import type { SubscriptionKey } from '../../store.js';
import { SYSTEM_EVENT_SOURCE } from '../events.js';
import type { Queryable } from '../pool.js';
import type { SubscriptionFactSource } from './hooks.js';

const COMPONENT = 'SELECT id FROM id_fragments WHERE canonical_id = $1';
const EVENT_COLUMNS = `message_id AS "messageId", type, event, ts, payload->'properties' AS props,
  CASE WHEN type IN ('page', 'screen') THEN payload->>'name' END AS "pageName"`;

interface FactRow {
  messageId: string;
  type: MessageType;
  event: string | null;
  ts: string;
  props: JsonObject | null;
  pageName: string | null;
}

export type ChurnFactsLoader = (db: Queryable, rootId: number, now: number) => Promise<ChurnFacts | null>;

export class FactLoader {
  readonly #loadChurn: ChurnFactsLoader | undefined;
  readonly #subscriptions: SubscriptionFactSource | undefined;

  constructor(loadChurn?: ChurnFactsLoader, subscriptions?: SubscriptionFactSource) {
    this.#loadChurn = loadChurn;
    this.#subscriptions = subscriptions;
  }

  load(db: Queryable, view: DefinitionsView, rootId: number, now: number): Promise<ProfileFacts> {
    const names = view.relevant.all ? null : [...view.relevant.names];
    return this.loadFor(db, names, view.subscriptions, rootId, now);
  }

  /**
   * The facts for any definitions (a preview's too): `names` are the track event names they
   * read, or null for every event; `channels` the subscription channels they read.
   */
  async loadFor(
    db: Queryable,
    names: string[] | null,
    channels: ReadonlySet<SubscriptionChannel>,
    rootId: number,
    now: number,
  ): Promise<ProfileFacts> {
    const writes = (
      await db.query<{ key: string; value: string; tsMs: number; seq: number }>({
        name: 'activation_trait_writes',
        text: `SELECT key, value, ts_ms AS "tsMs", seq FROM id_trait_writes WHERE fragment_id IN (${COMPONENT})`,
        values: [rootId],
      })
    ).rows;
    const { traits } = resolveTraits(writes.map((write) => ({ ...write, value: JSON.parse(write.value) })));
    const rows = (
      names === null
        ? await db.query<FactRow>({
            name: 'activation_all_events',
            text: `SELECT ${EVENT_COLUMNS} FROM events WHERE fragment_id IN (${COMPONENT}) AND source <> '${SYSTEM_EVENT_SOURCE}'`,
            values: [rootId],
          })
        : await db.query<FactRow>({
            name: 'activation_some_events',
            text: `SELECT ${EVENT_COLUMNS} FROM events WHERE fragment_id IN (${COMPONENT}) AND source <> '${SYSTEM_EVENT_SOURCE}'
                   AND event = ANY($2::text[])`,
            values: [rootId, names],
          })
    ).rows;
    const events: FactEvent[] = rows.map((row) => ({
      messageId: row.messageId,
      type: row.type,
      name: row.type === 'track' ? row.event : row.pageName,
      at: Date.parse(row.ts),
      properties: row.props && typeof row.props === 'object' ? row.props : {},
    }));
    const facts: ProfileFacts = { traits, events, now, churn: (await this.#loadChurn?.(db, rootId, now)) ?? null };
    if (channels.size > 0 && this.#subscriptions) {
      facts.subscriptions = {
        topics: this.#subscriptions.topics,
        addresses: await this.#addressFacts(db, channels, rootId),
      };
    }
    return facts;
  }

  /** The profile's email and phone identifiers on each channel they address that some definition reads. */
  async #addressFacts(
    db: Queryable,
    channels: ReadonlySet<SubscriptionChannel>,
    rootId: number,
  ): Promise<AddressFacts[]> {
    const { rows } = await db.query<{ type: string; value: string }>(
      `SELECT type, value FROM id_identifiers WHERE fragment_id IN (${COMPONENT}) AND type IN ('email', 'phone')`,
      [rootId],
    );
    const keys: SubscriptionKey[] = [];
    for (const { type, value } of rows) {
      for (const channel of CHANNELS_OF_IDENTIFIER[type] ?? []) {
        if (channels.has(channel)) keys.push({ channel, address: value });
      }
    }
    return keys.length === 0 || !this.#subscriptions ? [] : this.#subscriptions.read(db, keys);
  }
}
