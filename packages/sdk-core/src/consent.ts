/**
 * The consent gate: which categories an event may be captured under, and
 * what waits in memory while the visitor has not decided.
 */
import type { CategoryPreferences } from '@exhaust/schema';

/** Default consent categories. `necessary` is granted whenever anything is decided. */
export const CONSENT_CATEGORIES = ['necessary', 'analytics', 'marketing', 'personalization'];
/** Category of an event captured without `options.category`. */
export const DEFAULT_CATEGORY = 'analytics';
/** Default most events held in memory while consent is pending; later ones are dropped. */
export const MAX_PENDING_EVENTS = 100;

export interface ConsentOptions {
  /** Capture nothing (no storage, no request) until `setConsent` is called. Default false. */
  required?: boolean;
  /** Default {@link CONSENT_CATEGORIES}. */
  categories?: string[];
  /** While pending: hold events in memory (`buffer`, default) or `drop` them. */
  whilePending?: 'buffer' | 'drop';
  /** Default {@link MAX_PENDING_EVENTS}. */
  maxPendingEvents?: number;
  /** Categories always denied, whatever `setConsent` says (e.g. `marketing` under Global Privacy Control). */
  denied?: string[];
  /** A decision made earlier (read back from storage); skips the pending state. */
  initial?: CategoryPreferences | null;
}

export interface ConsentGate<T> {
  /** Preferences in force; null while pending. */
  preferences(): CategoryPreferences | null;
  allows(category: string): boolean;
  /** Holds an item while pending; false when it was dropped instead. */
  hold(item: T): boolean;
  /** Applies a decision; returns what was held and is now allowed, and the denied categories. */
  set(update: CategoryPreferences): { released: T[]; dropped: T[]; denied: string[] };
  /** True when a decision exists and grants nothing but `necessary`. */
  deniesAll(): boolean;
}

/**
 * @example
 * const gate = createConsentGate<Msg>({ required: true }, (m) => m.category);
 * gate.hold(msg); gate.set({ analytics: true }).released // [msg]
 */
export function createConsentGate<T>(options: ConsentOptions, categoryOf: (item: T) => string): ConsentGate<T> {
  const categories = options.categories ?? CONSENT_CATEGORIES;
  const denied = options.denied ?? [];
  const maxPending = options.maxPendingEvents ?? MAX_PENDING_EVENTS;
  const normalize = (update: CategoryPreferences, base: CategoryPreferences | null) => {
    const next: CategoryPreferences = { ...base, ...update };
    for (const category of categories) next[category] ??= false;
    for (const category of denied) next[category] = false;
    next.necessary = true;
    return next;
  };
  let current: CategoryPreferences | null =
    options.initial || !options.required
      ? normalize(options.initial ?? Object.fromEntries(categories.map((category) => [category, true])), null)
      : null;
  let held: T[] = [];
  const allows = (category: string) => current?.[category] === true;

  return {
    preferences: () => current,
    allows,
    hold: (item) => options.whilePending !== 'drop' && held.length < maxPending && held.push(item) > 0,
    set(update) {
      current = normalize(update, current);
      const released = held.filter((item) => allows(categoryOf(item)));
      const dropped = held.filter((item) => !allows(categoryOf(item)));
      held = [];
      return { released, dropped, denied: Object.keys(current).filter((category) => !current![category]) };
    },
    deniesAll: () => current !== null && Object.keys(current).every((c) => c === 'necessary' || !current![c]),
  };
}
