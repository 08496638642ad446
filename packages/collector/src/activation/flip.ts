/**
 * Finds when a time-dependent value next changes, walking the instants at
 * which its inputs change (events leaving or entering windows, solved score
 * crossings) until the value differs from now.
 */

/**
 * Most candidate instants examined before answering with the last one as a
 * re-check instant: the scheduler re-evaluates then, finds no change and asks again.
 */
export const MAX_LOOKAHEAD_STEPS = 64;

/**
 * The first candidate instant > now at which `valueAt` differs from its value at now.
 *
 * @example
 * firstChange(now, (t) => count(t) >= 1, (t) => nextEventChange(t), (a, b) => a === b);
 */
export function firstChange<V>(
  now: number,
  valueAt: (t: number) => V,
  nextCandidate: (t: number) => number | null,
  equal: (a: V, b: V) => boolean,
): number | null {
  const current = valueAt(now);
  let t = now;
  for (let step = 0; step < MAX_LOOKAHEAD_STEPS; step++) {
    const next = nextCandidate(t);
    if (next === null) return null;
    if (!equal(valueAt(next), current)) return next;
    t = next;
  }
  return t;
}
