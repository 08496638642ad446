/**
 * Profile traits (policy section 4): per key, the write with the latest event
 * timestamp wins across every fragment of the merged profile, ties broken by
 * arrival order; an explicit `null` unsets the key only when it is the newest
 * write. Stores keep every write and materialize the winner with this.
 */
import type { JsonObject, JsonValue, Message } from '@exhaust/schema';

/** One stored trait write. `tsMs` is the (clamped) event time, `seq` the arrival order. */
export interface TraitWrite {
  key: string;
  value: JsonValue;
  tsMs: number;
  seq: number;
}

export interface ResolvedTraits {
  traits: JsonObject;
  /** ISO time of the event that wrote each present trait. */
  traitTimestamps: Record<string, string>;
}

/** The trait writes an event makes: top-level keys of an `identify`'s `traits`, values as sent. */
export function traitWritesOf(message: Message): { key: string; value: JsonValue }[] {
  if (message.type !== 'identify' || !message.traits) return [];
  const traits = message.traits;
  // `undefined` cannot come from JSON; skip it rather than store a write that is not a value.
  return Object.keys(traits)
    .filter((key) => traits[key] !== undefined)
    .map((key) => ({ key, value: traits[key] as JsonValue }));
}

function newer(a: TraitWrite, b: TraitWrite): boolean {
  return a.tsMs !== b.tsMs ? a.tsMs > b.tsMs : a.seq > b.seq;
}

/**
 * Materializes traits from all writes of a merged profile, in any order.
 *
 * @example
 * resolveTraits([
 *   { key: 'plan', value: 'pro', tsMs: 2, seq: 1 },
 *   { key: 'plan', value: 'free', tsMs: 1, seq: 2 },
 * ]); // { traits: { plan: 'pro' }, traitTimestamps: { plan: '1970-01-01T00:00:00.002Z' } }
 */
export function resolveTraits(writes: Iterable<TraitWrite>): ResolvedTraits {
  // NOTE: a Map and null-prototype results, so a `__proto__` trait key stays data.
  const winners = new Map<string, TraitWrite>();
  for (const write of writes) {
    const current = winners.get(write.key);
    if (!current || newer(write, current)) winners.set(write.key, write);
  }
  const traits: JsonObject = Object.create(null);
  const traitTimestamps: Record<string, string> = Object.create(null);
  for (const key of [...winners.keys()].sort()) {
    const winner = winners.get(key)!;
    if (winner.value === null) continue;
    traits[key] = winner.value;
    traitTimestamps[key] = new Date(winner.tsMs).toISOString();
  }
  return { traits, traitTimestamps };
}
