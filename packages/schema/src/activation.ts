/**
 * Activation wire types (issue 9): computed-trait and audience definitions as
 * sent to `POST /v1/computed-traits` and `POST /v1/audiences`. The collector
 * validates them (with paths and codes) in `activation/definitions/`.
 */
import type { SubscriptionChannel } from './constants.js';
import type { JsonValue } from './messages.js';

/** Predicate operators shared by `where` filters, trait predicates and computed-trait predicates. */
export const PREDICATE_OPS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'startsWith',
  'exists',
  'notExists',
] as const;
export type PredicateOp = (typeof PREDICATE_OPS)[number];

/** Operators of an event condition's `count`. */
export const COUNT_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
export type CountOp = (typeof COUNT_OPS)[number];

export const COMPUTED_TRAIT_KINDS = [
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'first',
  'last',
  'mostFrequent',
  'uniqueList',
  'uniqueCount',
  'score',
] as const;
export type ComputedTraitKind = (typeof COMPUTED_TRAIT_KINDS)[number];

/** Why a definition was refused; each issue of a 400 answer carries one, with the path. */
export const DEFINITION_ISSUE_CODES = [
  'invalid_type',
  'required',
  'unknown_field',
  'invalid_key',
  'unknown_kind',
  'unknown_op',
  'invalid_value',
  'invalid_duration',
  'window_too_long',
  'exclusive_fields',
  'unknown_reference',
  'cycle',
  'too_complex',
] as const;
export type DefinitionIssueCode = (typeof DEFINITION_ISSUE_CODES)[number];

/** `{ property, op, value }`: a condition on an event property (dotted paths reach nested objects). */
export interface WhereClause {
  property: string;
  op: PredicateOp;
  /** Absent for `exists` / `notExists`; an array for `in`. */
  value?: JsonValue;
}

/** A track event by name, optionally filtered. */
export interface EventMatch {
  event: string;
  where?: WhereClause[];
}

/** `{ trait, op, value }` on the profile's current traits. */
export interface TraitPredicate {
  trait: string;
  op: PredicateOp;
  value?: JsonValue;
}

/** `{ computed, op, value }` on a computed trait's current value. */
export interface ComputedPredicate {
  computed: string;
  op: PredicateOp;
  value?: JsonValue;
}

/** `{ event, where?, count?, within? }`: count defaults to `{ op: 'gte', value: 1 }`; `eq 0` = has not done. */
export interface EventCondition extends EventMatch {
  count?: { op: CountOp; value: number };
  /** Duration such as "45s", "10m", "12h", "30d"; absent = all history. */
  within?: string;
}

export interface AudienceReference {
  audience: string;
}

/**
 * `{ subscription: { channel, topic? }, op: 'allowed' | 'notAllowed' }`: whether at least one
 * address of the profile on the channel may be contacted (about the topic), decided as
 * `GET /v1/subscriptions/check` decides it.
 */
export interface SubscriptionCondition {
  subscription: { channel: SubscriptionChannel; topic?: string };
  op: 'allowed' | 'notAllowed';
}

export type AudienceCondition =
  | { all: AudienceCondition[] }
  | { any: AudienceCondition[] }
  | { not: AudienceCondition }
  | TraitPredicate
  | ComputedPredicate
  | EventCondition
  | AudienceReference
  | SubscriptionCondition;

/** One score rule: points per matching event (engagement) or while a trait predicate holds (fit). */
export interface ScoreRule {
  when: EventMatch | TraitPredicate;
  /** Negative for e.g. an unsubscribe. */
  points: number;
  /** Event rules only: at most this many points (in magnitude) from this rule per UTC day. */
  maxPerDay?: number;
}

export interface ComputedTraitDefinition {
  /** Lowercase `[a-z0-9_]`. */
  key: string;
  kind: ComputedTraitKind;
  name?: string;
  description?: string;
  /** Track event name; required for every kind but `score`. */
  event?: string;
  where?: WhereClause[];
  /** Aggregations (`sum` ... `uniqueCount`): the event property aggregated. */
  property?: string;
  /** Duration; for `score` exclusive with `halfLife`. */
  within?: string;
  /** `score` only. */
  rules?: ScoreRule[];
  min?: number;
  max?: number;
  halfLife?: string;
}

export interface AudienceDefinition {
  /** Lowercase `[a-z0-9_]`. */
  key: string;
  name: string;
  description?: string;
  condition: AudienceCondition;
  /** Emit `Audience Entered` for the members found by the backfill at creation (default false). */
  emitOnCreate?: boolean;
}
