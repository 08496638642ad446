/**
 * Loads what the pure engine reads about one canonical profile: its current
 * traits and the events any definition may need, across all its fragments,
 * from the stored payloads. Lifecycle events the collector wrote itself
 * (source `exhaust`) are never facts, so they can never re-trigger anything.
 */
import type { JsonObject, MessageType, SubscriptionChannel } from '@exhaust/schema';
import type { Database, Statement } from 'better-sqlite3';
import type { ChurnFacts } from '../../../activation/churn/outputs.js';
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

  readonly #loadChurn: ((rootId: number, now: number) => ChurnFacts | null) | undefined;

  /**
   * @param loadChurn the current fit and the profile's purchases, when some audience or band tracking reads them
   * @param subscriptions the address facts, when some audience reads subscriptions
   */
  constructor(
    db: Database,
    loadChurn?: (rootId: number, now: number) => ChurnFacts | null,
    subscriptions?: SubscriptionFactSource,
  ) {
    this.#loadChurn = loadChurn;
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
    if (view.relevant.all) return this.#read(rootId, null, view.subscriptions, now);
    if (this.#filter?.version !== view.version) {
      this.#filter = { version: view.version, names: JSON.stringify([...view.relevant.names]) };
    }
    return this.#read(rootId, this.#filter.names, view.subscriptions, now);
  }

  /**
   * The facts for definitions that are not the saved view (a preview): `names` is the
   * json_each argument of the track event names they read, or null for every event; `channels`
   * the subscription channels they read.
   */
  loadFor(names: string | null, channels: ReadonlySet<SubscriptionChannel>, rootId: number, now: number): ProfileFacts {
    return this.#read(rootId, names, channels, now);
  }

  #read(rootId: number, names: string | null, channels: ReadonlySet<SubscriptionChannel>, now: number): ProfileFacts {
    const writes = this.#traits.all(rootId) as { key: string; value: string; tsMs: number; seq: number }[];
    const { traits } = resolveTraits(writes.map((write) => ({ ...write, value: JSON.parse(write.value) })));
    const rows = (names === null ? this.#allEvents.all(rootId) : this.#someEvents.all(rootId, names)) as FactRow[];
    const events: FactEvent[] = rows.map((row) => ({
      messageId: row.messageId,
      type: row.type,
      name: row.type === 'track' ? row.event : row.pageName,
      at: Date.parse(row.ts),
      properties: row.props ? (JSON.parse(row.props) as JsonObject) : {},
    }));
    const facts: ProfileFacts = { traits, events, now, churn: this.#loadChurn?.(rootId, now) ?? null };
    if (channels.size > 0 && this.#subscriptions) {
      facts.subscriptions = { topics: this.#subscriptions.topics, addresses: this.#addressFacts(channels, rootId) };
    }
    return facts;
  }

  /** The profile's email and phone identifiers on each channel they address that some definition reads. */
  #addressFacts(channels: ReadonlySet<SubscriptionChannel>, rootId: number): AddressFacts[] {
    const keys: SubscriptionKey[] = [];
    for (const { type, value } of this.#addresses.all(rootId) as { type: string; value: string }[]) {
      for (const channel of CHANNELS_OF_IDENTIFIER[type] ?? []) {
        if (channels.has(channel)) keys.push({ channel, address: value });
      }
    }
    return keys.length === 0 ? [] : (this.#subscriptions?.read(keys) ?? []);
  }
}
