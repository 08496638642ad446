/**
 * Consent on a profile: the latest `context.consent.categoryPreferences` per
 * category by event time (ties by arrival), with when it was given. Every
 * record is kept as history; this only materializes the current state.
 */
import type { ConsentState, Message } from '@exhaust/schema';

/** One stored consent record. */
export interface ConsentRecord {
  category: string;
  granted: boolean;
  tsMs: number;
  seq: number;
}

/**
 * The consent records an event carries (any message type). None from an event captured while consent was
 * pending (`capturedUnder: 'pending'`): its preferences are the decision that released it, made later at
 * `releasedAt`; dated at the event's time they would record a grant before the visitor gave it. The
 * decision has its own record, from the event that announces it (the browser's `Consent Preference Updated`).
 */
export function consentRecordsOf(message: Message): { category: string; granted: boolean }[] {
  const consent = message.context?.consent;
  const preferences = consent?.capturedUnder === 'pending' ? undefined : consent?.categoryPreferences;
  if (!preferences) return [];
  return Object.keys(preferences)
    .filter((category) => typeof preferences[category] === 'boolean')
    .map((category) => ({ category, granted: preferences[category] as boolean }));
}

/**
 * The latest choice per category across all fragments of a profile.
 *
 * @example
 * resolveConsent([{ category: 'ads', granted: true, tsMs: 5, seq: 1 }]);
 * // { ads: { granted: true, at: '1970-01-01T00:00:00.005Z' } }
 */
export function resolveConsent(records: Iterable<ConsentRecord>): ConsentState {
  const latest = new Map<string, ConsentRecord>();
  for (const record of records) {
    const current = latest.get(record.category);
    if (!current || record.tsMs > current.tsMs || (record.tsMs === current.tsMs && record.seq > current.seq)) {
      latest.set(record.category, record);
    }
  }
  // Null prototype: a category named `__proto__` stays data.
  const state: ConsentState = Object.create(null);
  for (const category of [...latest.keys()].sort()) {
    const record = latest.get(category)!;
    state[category] = { granted: record.granted, at: new Date(record.tsMs).toISOString() };
  }
  return state;
}
