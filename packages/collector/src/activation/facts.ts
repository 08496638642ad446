/**
 * What the activation engine reads about one profile and what it answers.
 * Time is always passed in (epoch ms); the engine never reads a clock.
 */
import type {
  AudienceDefinition,
  ComputedTraitDefinition,
  JsonObject,
  JsonValue,
  MessageType,
  SubscriptionChannel,
} from '@exhaust/schema';
import type { KeptForCheck } from '../subscriptions/precedence.js';
import type { SubscriptionsConfig } from '../subscriptions/topics.js';

/** One event of the profile, as the store hands it to the engine. */
export interface FactEvent {
  messageId: string;
  /** track, page, identify, ... */
  type: MessageType;
  /** track: event; page/screen: name; else null. */
  name: string | null;
  /** Corrected event timestamp, epoch ms. An event in the future counts from this instant on. */
  at: number;
  /** track/page properties ({} otherwise). */
  properties: JsonObject;
}

/** One address of the profile on one channel, with what `check` would read for it. */
export interface AddressFacts {
  channel: SubscriptionChannel;
  address: string;
  /** On the contact suppression list (a person with it was erased). */
  erased: boolean;
  /** The channel status as kept; null when none is. */
  status: KeptForCheck | null;
  /** Topic statuses as kept, by topic key. */
  topics: Readonly<Record<string, KeptForCheck>>;
}

/** What `{ subscription }` audience nodes read. */
export interface SubscriptionFacts {
  /** The profile's addresses (its email and phone identifiers) on the channels definitions read. */
  addresses: readonly AddressFacts[];
  /** Declared topics (the config's `subscriptions.topics`); undeclared topics are opt-out. */
  topics: SubscriptionsConfig['topics'];
}

export interface ProfileFacts {
  /** The profile's current traits. */
  traits: JsonObject;
  /** The profile's events that any definition may need, in any order, without duplicates. */
  events: readonly FactEvent[];
  /** Epoch ms. */
  now: number;
  /** Loaded only when some definition reads subscriptions (`readsSubscriptions`); absent = no address. */
  subscriptions?: SubscriptionFacts;
}

export interface Definitions {
  computedTraits: ReadonlyMap<string, ComputedTraitDefinition>;
  audiences: ReadonlyMap<string, AudienceDefinition>;
}

/**
 * A decaying score between two discrete changes: unclamped value at `t` is
 * `fixed + amount * 2^(-(t - at) / halfLifeMs)`, then clamped to [min, max].
 * Lets a reader show the current value without re-evaluating.
 */
export interface ScoreDecay {
  fixed: number;
  amount: number;
  at: number;
  halfLifeMs: number;
  min: number | null;
  max: number | null;
}

export interface ComputedValue {
  value: JsonValue | null;
  /**
   * Next instant (> now) at which the value changes with no new event; null when never.
   * NOTE: a decaying score changes continuously; its changesAt is only the next discrete
   * change (a future-dated event), see `decay` for the curve.
   */
  changesAt: number | null;
  decay?: ScoreDecay;
}

export interface AudienceMembership {
  member: boolean;
  /** Instant (> now) at which membership flips with no new event; null when never. */
  changesAt: number | null;
}

export interface Evaluation {
  computed: Record<string, ComputedValue>;
  audiences: Record<string, AudienceMembership>;
  /** Earliest instant (> now) at which any value above changes with no new event; null when never. */
  nextChangeAt: number | null;
}

/** One node of an audience's condition tree, evaluated for one profile. */
export interface ExplainNode {
  /** The condition node as defined. */
  node: unknown;
  /** Whether the node holds now. */
  value: boolean;
  /** What the node compared: a trait's or computed trait's value, an event count (absent for combinators). */
  actual?: JsonValue | null;
  /** ISO instant at which `value` flips with no new event; null when never. */
  changesAt: string | null;
  children?: ExplainNode[];
}
