/**
 * Loads what the pure engine reads about one canonical profile: its current
 * traits and the events any definition may need, across all its fragments,
 * from the stored payloads. Lifecycle events the collector wrote itself
 * (source `exhaust`) are never facts, so they can never re-trigger anything.
 */
import type { JsonObject, MessageType } from '@exhaust/schema';
import type { Database, Statement } from 'better-sqlite3';
import type { AddressFacts, FactEvent, ProfileFacts } from '../../../activation/index.js';
import { resolveTraits } from '../../../identity/traits.js';
import { CHANNELS_OF_IDENTIFIER } from '../../../subscriptions/model.js';
import type { SubscriptionsConfig } from '../../../subscriptions/topics.js';
import type { SubscriptionKey } from '../../store.js';
import type { DefinitionsView } from './definitions.js';

/** Source name of the events the collector writes itself (audience lifecycle events). */
export const EXHAUST_SOURCE = 'exhaust';

const COMPONENT = 'SELECT id FROM id_fragments WHERE canonical_id = ?';
const EVENT_COLUMNS = `message_id AS messageId, type, event, ts,
  json_extract(payload, '$.properties') AS props,
  CASE WHEN type IN ('page', 'screen') THEN json_extract(payload, '$.name') END AS pageName`;

interface FactRow {
  messageId: string;
  type: MessageType;
  event: string | null;
  ts: string;
  props: string | null;
  pageName: string | null;
}

/** Where subscription facts come from: the store's subscriptions, and the declared topics. */
export interface SubscriptionFactSource {
  topics: SubscriptionsConfig['topics'];
  /** What is kept for each (channel, address), in the order asked. */
  read(keys: SubscriptionKey[]): AddressFacts[];
}

export class FactLoader {
  readonly #traits: Statement<[number]>;
  readonly #allEvents: Statement<[number]>;
  readonly #someEvents: Statement<[number, string]>;
  /** json_each argument of the current view's relevant track event names, built once per view. */
  #filter: { version: number; names: string } | null = null;
  readonly #addresses: Statement<[number]>;
  readonly #subscriptions: SubscriptionFactSource | undefined;

  constructor(db: Database, subscriptions?: SubscriptionFactSource) {
    this.#subscriptions = subscriptions;
    this.#addresses = db.prepare(
      `SELECT type, value FROM id_identifiers WHERE fragment_id IN (${COMPONENT}) AND type IN ('email', 'phone')`,
    );
    this.#traits = db.prepare(
      `SELECT key, value, ts_ms AS tsMs, seq FROM id_trait_writes WHERE fragment_id IN (${COMPONENT})`,
    );
    this.#allEvents = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE fragment_id IN (${COMPONENT}) AND source <> '${EXHAUST_SOURCE}'`,
    );
    this.#someEvents = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE fragment_id IN (${COMPONENT}) AND source <> '${EXHAUST_SOURCE}'
       AND event IN (SELECT value FROM json_each(?))`,
    );
  }

  load(view: DefinitionsView, rootId: number, now: number): ProfileFacts {
    const writes = this.#traits.all(rootId) as { key: string; value: string; tsMs: number; seq: number }[];
    const { traits } = resolveTraits(writes.map((write) => ({ ...write, value: JSON.parse(write.value) })));
    let rows: FactRow[];
    if (view.relevant.all) rows = this.#allEvents.all(rootId) as FactRow[];
    else {
      if (this.#filter?.version !== view.version) {
        this.#filter = { version: view.version, names: JSON.stringify([...view.relevant.names]) };
      }
      rows = this.#someEvents.all(rootId, this.#filter.names) as FactRow[];
    }
    const events: FactEvent[] = rows.map((row) => ({
      messageId: row.messageId,
      type: row.type,
      name: row.type === 'track' ? row.event : row.pageName,
      at: Date.parse(row.ts),
      properties: row.props ? (JSON.parse(row.props) as JsonObject) : {},
    }));
    const facts: ProfileFacts = { traits, events, now };
    if (view.subscriptions.size > 0 && this.#subscriptions) {
      facts.subscriptions = { topics: this.#subscriptions.topics, addresses: this.#addressFacts(view, rootId) };
    }
    return facts;
  }

  /** The profile's email and phone identifiers on each channel they address that some definition reads. */
  #addressFacts(view: DefinitionsView, rootId: number): AddressFacts[] {
    const keys: SubscriptionKey[] = [];
    for (const { type, value } of this.#addresses.all(rootId) as { type: string; value: string }[]) {
      for (const channel of CHANNELS_OF_IDENTIFIER[type] ?? []) {
        if (view.subscriptions.has(channel)) keys.push({ channel, address: value });
      }
    }
    return keys.length === 0 ? [] : (this.#subscriptions?.read(keys) ?? []);
  }
}
