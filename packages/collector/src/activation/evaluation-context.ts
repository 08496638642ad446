/**
 * Everything one evaluation of one profile shares: events grouped by name and
 * sorted once, each computed trait's series built once, audience results
 * memoized per instant (audiences may reference each other).
 */
import type { JsonObject } from '@exhaust/schema';
import type { NodeContext } from './audiences/condition-node.js';
import { compileAudience } from './audiences/evaluate-audience.js';
import type { Definitions, FactEvent, ProfileFacts } from './facts.js';
import { compileTrait } from './traits/compile-trait.js';
import { compareEvents } from './traits/event-timeline.js';
import type { TraitSeries } from './traits/trait-series.js';

const NO_EVENTS: readonly FactEvent[] = [];

export class EvaluationContext implements NodeContext {
  readonly traits: JsonObject;
  readonly now: number;
  #byName: Map<string, FactEvent[]> | null = null;
  readonly #series = new Map<string, TraitSeries | null>();
  readonly #memo = new Map<object, unknown>();
  readonly #holds = new Map<string, Map<number, boolean>>();
  readonly #next = new Map<string, Map<number, number | null>>();
  readonly #inProgress = new Set<string>();

  constructor(
    readonly defs: Definitions,
    readonly facts: ProfileFacts,
  ) {
    this.traits = facts.traits;
    this.now = facts.now;
  }

  /** Track events of that name, ascending by (at, messageId). */
  eventsNamed = (name: string): readonly FactEvent[] => {
    if (!this.#byName) {
      this.#byName = new Map();
      for (const event of this.facts.events) {
        if (event.type !== 'track' || event.name === null) continue;
        const list = this.#byName.get(event.name);
        if (list) list.push(event);
        else this.#byName.set(event.name, [event]);
      }
      for (const list of this.#byName.values()) list.sort(compareEvents);
    }
    return this.#byName.get(name) ?? NO_EVENTS;
  };

  /** The series of a computed trait, or null when no such definition exists (any more). */
  series(key: string): TraitSeries | null {
    if (!this.#series.has(key)) {
      const definition = this.defs.computedTraits.get(key);
      this.#series.set(key, definition ? compileTrait(definition)(this) : null);
    }
    return this.#series.get(key)!;
  }

  /** Per-evaluation state of one compiled node (e.g. its event timeline), built once. */
  memo<T>(owner: object, build: () => T): T {
    if (!this.#memo.has(owner)) this.#memo.set(owner, build());
    return this.#memo.get(owner) as T;
  }

  #cached<T>(cache: Map<string, Map<number, T>>, key: string, t: number, fallback: T, compute: () => T): T {
    let perKey = cache.get(key);
    if (!perKey) {
      perKey = new Map();
      cache.set(key, perKey);
    }
    if (perKey.has(t)) return perKey.get(t)!;
    // NOTE: definitions are validated acyclic; this only guards against a corrupt store looping forever.
    if (this.#inProgress.has(key)) return fallback;
    this.#inProgress.add(key);
    try {
      const value = compute();
      perKey.set(t, value);
      return value;
    } finally {
      this.#inProgress.delete(key);
    }
  }

  /** Whether the profile is in audience `key` at `t` (false for an unknown audience). */
  audienceHoldsAt(key: string, t: number): boolean {
    const definition = this.defs.audiences.get(key);
    if (!definition) return false;
    return this.#cached(this.#holds, key, t, false, () => compileAudience(definition).holdsAt(this, t));
  }

  /** Next instant > t at which audience `key`'s inputs change. */
  audienceNextAfter(key: string, t: number): number | null {
    const definition = this.defs.audiences.get(key);
    if (!definition) return null;
    return this.#cached(this.#next, key, t, null, () => compileAudience(definition).nextAfter(this, t));
  }
}
