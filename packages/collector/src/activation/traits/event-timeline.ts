/**
 * The events one definition counts, sorted by time, and which of them are
 * inside the window at any instant `t`: those with `t - within < at <= t`
 * (all with `at <= t` without a window). An event ages out at exactly
 * `at + within`; a future-dated event enters at its `at`.
 */
import type { WhereClause } from '@exhaust/schema';
import type { FactEvent } from '../facts.js';
import { applyOp, readPath } from '../operators.js';

export interface EventTimeline {
  /** Matching events, ascending by (at, messageId), so input order never matters. */
  events: readonly FactEvent[];
  /** Index range [from, to) of the events counted at `t`. */
  rangeAt(t: number): [number, number];
  /** Next instant > t at which the range changes, or null. */
  nextChangeAfter(t: number): number | null;
}

/** Ascending by time, ties by messageId: a total order, so results are deterministic. */
export function compareEvents(a: FactEvent, b: FactEvent): number {
  return a.at - b.at || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);
}

export function matchesWhere(event: FactEvent, where: readonly WhereClause[] | undefined): boolean {
  if (!where) return true;
  return where.every((clause) => applyOp(readPath(event.properties, clause.property), clause.op, clause.value));
}

/** First index whose time is > x. */
function upperBound(times: readonly number[], x: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A timeline over times already sorted ascending (`withinMs` null = all history). */
export function timelineOfTimes(times: readonly number[], withinMs: number | null): Omit<EventTimeline, 'events'> {
  return {
    rangeAt(t) {
      return [withinMs === null ? 0 : upperBound(times, t - withinMs), upperBound(times, t)];
    },
    nextChangeAfter(t) {
      const [from, to] = this.rangeAt(t);
      let next = to < times.length ? times[to]! : null;
      if (withinMs !== null && from < to) {
        const leaves = times[from]! + withinMs;
        if (next === null || leaves < next) next = leaves;
      }
      return next;
    },
  };
}

/** Builds the timeline of the events (already sorted with compareEvents) that pass `where`. */
export function createEventTimeline(
  sorted: readonly FactEvent[],
  where: readonly WhereClause[] | undefined,
  withinMs: number | null,
): EventTimeline {
  const events = where ? sorted.filter((event) => matchesWhere(event, where)) : sorted;
  return {
    events,
    ...timelineOfTimes(
      events.map((event) => event.at),
      withinMs,
    ),
  };
}
