/**
 * What activation on PostgreSQL needs from the other areas, injected by the
 * store like the SQLite engine's constructor arguments: the webhook outbox
 * (computed changes, audience lifecycle, churn bands), the churn model and
 * the subscription facts. Every call runs inside the caller's transaction,
 * on the connection it is given.
 */
import type { ChurnFit } from '@exhaust/schema';
import type { ChurnFacts, ChurnPurchases } from '../../../activation/churn/outputs.js';
import type { AddressFacts } from '../../../activation/index.js';
import type { SubscriptionsConfig } from '../../../subscriptions/topics.js';
import type { PurchaseSummaryQuery, SubscriptionKey } from '../../store.js';
import type { Queryable } from '../pool.js';

/** A lifecycle event activation appended (after `appendSystemEvent`), for the outbox to announce. */
export interface AudienceLifecycleAppended {
  fragmentId: number;
  messageId: string;
  eventName: string;
  /** ISO 8601. */
  at: string;
  payload: string;
}

/** Told of each computed value that changed (JSON texts; previous null when first computed): the webhook outbox. */
export interface ComputedChangeHook {
  /** False when nobody listens: the previous values are then not even read. */
  active(): boolean;
  changed(
    db: Queryable,
    rootId: number,
    key: string,
    previous: string | null,
    value: string,
    now: number,
  ): Promise<void>;
}

/** Told of each `Audience Entered` / `Audience Exited` event appended: the webhook outbox. */
export interface AudienceLifecycleHook {
  appended(db: Queryable, event: AudienceLifecycleAppended): Promise<void>;
}

/** The churn model as activation reads it: the async mirror of the `SqliteChurn` methods it calls (PgChurn). */
export interface ActivationChurn {
  /** The newest fit (any status); null before the first. */
  current(db: Queryable): Promise<ChurnFit | null>;
  purchasesOf(db: Queryable, rootId: number, query: PurchaseSummaryQuery): Promise<ChurnPurchases | null>;
  erase(db: Queryable, fragmentIds: readonly number[]): Promise<void>;
}

/** Tracks each evaluated profile's churn band for `churn.risk_changed` (the async `ChurnBandTracker`). */
export interface ChurnBandTracking {
  /** False when nobody listens (no `churn.risk_changed` subscriber): bands are then not tracked. */
  active(): boolean;
  /** Records the band at `now` and announces a change; answers when it next changes (null: never). */
  track(db: Queryable, rootId: number, facts: ChurnFacts | null, now: number): Promise<number | null>;
  /** A profile merged away or erased keeps no band. */
  forget(db: Queryable, rootId: number): Promise<void>;
}

/** Where subscription facts come from: the subscriptions area (`addressFacts`), and the declared topics. */
export interface SubscriptionFactSource {
  topics: SubscriptionsConfig['topics'];
  /** What is kept for each (channel, address), in the order asked. */
  read(db: Queryable, keys: SubscriptionKey[]): Promise<AddressFacts[]>;
}

export interface ActivationHooks {
  computed?: ComputedChangeHook;
  lifecycle?: AudienceLifecycleHook;
  churn?: { store: ActivationChurn; bands?: ChurnBandTracking };
  subscriptions?: SubscriptionFactSource;
}
