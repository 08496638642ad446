/**
 * Lead scores: points per matching event (engagement) and per holding trait
 * predicate (fit), capped per rule and UTC day, clamped to [min, max], and
 * either windowed (`within`) or fading with a half-life. A fading score is
 * `fixed + amount * 2^(-(t - t0) / halfLife)` between events, so the instant it
 * crosses a threshold is solved in closed form instead of polled.
 */
import type { ComputedTraitDefinition, EventMatch, PredicateOp, TraitPredicate } from '@exhaust/schema';
import { parseDuration } from '../durations.js';
import type { ScoreDecay } from '../facts.js';
import { applyOp, readPath } from '../operators.js';
import { matchesWhere, timelineOfTimes } from '../traits/event-timeline.js';
import type { TraitInput, TraitSeries } from '../traits/trait-series.js';

const DAY_MS = 86_400_000;

/** Points as reported: 2 decimals (crossings use the exact value). */
export function roundScore(value: number): number {
  return Math.round(value * 100) / 100 || 0;
}

export function clampScore(value: number, min: number | null, max: number | null): number {
  if (min !== null && value < min) return min;
  if (max !== null && value > max) return max;
  return value;
}

/** The unclamped value `x` ms after the curve's start. */
function decayed(decay: ScoreDecay, x: number): number {
  return decay.fixed + decay.amount * 2 ** (-x / decay.halfLifeMs);
}

/** Value of a decay curve at `t`, clamped. */
export function scoreAt(decay: ScoreDecay, t: number): number {
  return clampScore(decayed(decay, t - decay.at), decay.min, decay.max);
}

/** Points one event rule awards, in time order, with at most `maxPerDay` (in magnitude) per UTC day. */
function awards(
  events: readonly { at: number }[],
  points: number,
  maxPerDay: number | undefined,
): { at: number; points: number }[] {
  if (maxPerDay === undefined) return events.map((event) => ({ at: event.at, points }));
  const result: { at: number; points: number }[] = [];
  let day = Number.NaN;
  let left = 0;
  for (const event of events) {
    const eventDay = Math.floor(event.at / DAY_MS);
    if (eventDay !== day) {
      day = eventDay;
      left = maxPerDay;
    }
    const magnitude = Math.min(Math.abs(points), left);
    if (magnitude <= 0) continue;
    left -= magnitude;
    result.push({ at: event.at, points: Math.sign(points) * magnitude });
  }
  return result;
}

const CROSSING_OPS: ReadonlySet<PredicateOp> = new Set(['gt', 'gte', 'lt', 'lte']);

/** Compiles a score definition once; the result builds a series per profile. */
export function compileScore(definition: ComputedTraitDefinition): (input: TraitInput) => TraitSeries {
  const withinMs = definition.within === undefined ? null : parseDuration(definition.within);
  const halfLifeMs = definition.halfLife === undefined ? null : parseDuration(definition.halfLife);
  const min = definition.min ?? null;
  const max = definition.max ?? null;
  const rules = definition.rules ?? [];
  const fitRules = rules.filter((rule) => 'trait' in rule.when);
  const eventRules = rules.filter((rule) => 'event' in rule.when);

  return (input) => {
    const fixed = fitRules.reduce((total, rule) => {
      const when = rule.when as TraitPredicate;
      return applyOp(readPath(input.traits, when.trait), when.op, when.value) ? total + rule.points : total;
    }, 0);
    const awarded = eventRules
      .flatMap((rule) => {
        const when = rule.when as EventMatch;
        const matching = input.eventsNamed(when.event).filter((event) => matchesWhere(event, when.where));
        return awards(matching, rule.points, rule.maxPerDay);
      })
      .sort((a, b) => a.at - b.at);
    const times = awarded.map((award) => award.at);

    if (halfLifeMs === null) {
      const timeline = timelineOfTimes(times, withinMs);
      const prefix = [0];
      for (const award of awarded) prefix.push(prefix.at(-1)! + award.points);
      const rawAt = (t: number): number => {
        const [from, to] = timeline.rangeAt(t);
        return clampScore(fixed + prefix[to]! - prefix[from]!, min, max);
      };
      return {
        rawAt,
        valueAt: (t) => roundScore(rawAt(t)),
        nextChangeAfter: (t) => timeline.nextChangeAfter(t),
      };
    }

    const timeline = timelineOfTimes(times, null);
    const decayAt = (t: number): ScoreDecay => {
      let amount = 0;
      const [, to] = timeline.rangeAt(t);
      for (let index = 0; index < to; index++) {
        const award = awarded[index]!;
        amount += award.points * 2 ** (-(t - award.at) / halfLifeMs);
      }
      return { fixed, amount, at: t, halfLifeMs, min, max };
    };
    const rawAt = (t: number): number => scoreAt(decayAt(t), t);
    return {
      rawAt,
      valueAt: (t) => roundScore(rawAt(t)),
      decayAt,
      nextChangeAfter: (t) => timeline.nextChangeAfter(t),
      crossingAfter(t, op, threshold) {
        if (!CROSSING_OPS.has(op) || typeof threshold !== 'number') return null;
        const decay = decayAt(t);
        const ratio = decay.amount / (threshold - fixed);
        // The curve moves from fixed + amount toward fixed: it meets the threshold only if the
        // threshold lies strictly between (ratio > 1), or sits on it now (ratio === 1).
        if (!(ratio >= 1) || !Number.isFinite(ratio)) return null;
        const solved = Math.max(t + 1, Math.ceil(t + halfLifeMs * Math.log2(ratio)));
        const stop = timeline.nextChangeAfter(t);
        const holds = (at: number) => applyOp(scoreAt(decay, at), op, threshold);
        const before = holds(t);
        // Floating point may land the solved instant a millisecond off: check around it.
        for (let at = Math.max(t + 1, solved - 1); at <= solved + 2; at++) {
          if (stop !== null && at >= stop) return null;
          if (holds(at) !== before) return at;
        }
        return null;
      },
    };
  };
}
