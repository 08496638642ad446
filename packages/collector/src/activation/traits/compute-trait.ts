/**
 * Computes the non-score kinds of computed trait (count, sum, avg, min, max,
 * first, last, mostFrequent, uniqueList, uniqueCount) over the matching
 * events inside the window at any instant.
 */
import type { ComputedTraitDefinition, ComputedTraitKind, JsonValue } from '@exhaust/schema';
import { parseDuration } from '../durations.js';
import { readPath } from '../operators.js';
import { createEventTimeline } from './event-timeline.js';
import type { TraitInput, TraitSeries } from './trait-series.js';

/** Most values a `uniqueList` keeps (in order of first occurrence); `uniqueCount` still counts all. */
export const MAX_UNIQUE_LIST_ITEMS = 100;

type Present = Exclude<JsonValue, null>;
type Aggregate = (values: readonly (JsonValue | undefined)[]) => JsonValue | null;

function numbers(values: readonly (JsonValue | undefined)[]): number[] {
  return values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
}

function present(values: readonly (JsonValue | undefined)[]): Present[] {
  return values.filter((value): value is Present => value !== undefined && value !== null);
}

/** Identity of a value for counting distinct values. */
function identity(value: JsonValue): string {
  return JSON.stringify(value);
}

function distinct(values: readonly Present[]): Map<string, { value: Present; count: number; lastIndex: number }> {
  const seen = new Map<string, { value: Present; count: number; lastIndex: number }>();
  values.forEach((value, index) => {
    const id = identity(value);
    const entry = seen.get(id);
    if (entry) {
      entry.count += 1;
      entry.lastIndex = index;
    } else seen.set(id, { value, count: 1, lastIndex: index });
  });
  return seen;
}

const AGGREGATES: Record<Exclude<ComputedTraitKind, 'count' | 'score'>, Aggregate> = {
  sum: (values) => numbers(values).reduce((total, value) => total + value, 0),
  avg: (values) => {
    const list = numbers(values);
    return list.length === 0 ? null : list.reduce((total, value) => total + value, 0) / list.length;
  },
  min: (values) => {
    const list = numbers(values);
    return list.length === 0 ? null : Math.min(...list);
  },
  max: (values) => {
    const list = numbers(values);
    return list.length === 0 ? null : Math.max(...list);
  },
  first: (values) => present(values)[0] ?? null,
  last: (values) => present(values).at(-1) ?? null,
  // Ties go to the value seen most recently.
  mostFrequent: (values) => {
    let best: { value: Present; count: number; lastIndex: number } | null = null;
    for (const entry of distinct(present(values)).values()) {
      if (!best || entry.count > best.count || (entry.count === best.count && entry.lastIndex > best.lastIndex)) {
        best = entry;
      }
    }
    return best?.value ?? null;
  },
  uniqueList: (values) =>
    [...distinct(present(values)).values()].slice(0, MAX_UNIQUE_LIST_ITEMS).map((entry) => entry.value),
  uniqueCount: (values) => distinct(present(values)).size,
};

/** Compiles a non-score definition once; the result builds a series per profile. */
export function compileAggregateTrait(definition: ComputedTraitDefinition): (input: TraitInput) => TraitSeries {
  const withinMs = definition.within === undefined ? null : parseDuration(definition.within);
  const event = definition.event ?? '';
  const kind = definition.kind;
  const property = definition.property ?? '';
  return (input) => {
    const timeline = createEventTimeline(input.eventsNamed(event), definition.where, withinMs);
    let valueAt: (t: number) => JsonValue | null;
    if (kind === 'count') {
      valueAt = (t) => {
        const [from, to] = timeline.rangeAt(t);
        return to - from;
      };
    } else {
      const aggregate = AGGREGATES[kind as keyof typeof AGGREGATES];
      const values = timeline.events.map((item) => readPath(item.properties, property));
      valueAt = (t) => aggregate(values.slice(...timeline.rangeAt(t)));
    }
    return { valueAt, rawAt: valueAt, nextChangeAfter: (t) => timeline.nextChangeAfter(t) };
  };
}
