import type { AudienceDefinition } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { parseAudience } from '../definitions/audience.js';
import { evaluateProfile } from '../evaluate-profile.js';
import { explainAudience } from '../explain.js';
import type { Definitions, ProfileFacts } from '../facts.js';
import { aliveFallsBelowAt, conditionalExpectedPurchases } from './bgnbd.js';
import { CHURN_SEARCH_HORIZON_MS } from './condition.js';
import { type ChurnPurchases, churnBand, churnOutputAt, nextBandChangeAt } from './outputs.js';
import { MS_PER_WEEK } from './summary.js';

const PARAMS = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const FIRST = Date.UTC(2026, 0, 5);
const PURCHASES: ChurnPurchases = {
  x: 4,
  firstPurchaseAt: FIRST,
  lastPurchaseAt: FIRST + 8 * MS_PER_WEEK,
  meanValue: 50,
};
const NOW = FIRST + 10 * MS_PER_WEEK;
const ctx = { maxWindowMs: 1e12, computedTraits: new Map(), audiences: new Map() };

function defs(condition: unknown): Definitions {
  const parsed = parseAudience({ key: 'a', name: 'A', condition }, ctx);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return { computedTraits: new Map(), audiences: new Map<string, AudienceDefinition>([['a', parsed.value]]) };
}

const facts = (now: number, purchases: ChurnPurchases | null = PURCHASES): ProfileFacts => ({
  traits: {},
  events: [],
  now,
  churn: { params: PARAMS, purchases },
});

describe('the churn audience condition', () => {
  it('refuses unknown outputs, operators, values and fields with their paths', () => {
    const parsed = parseAudience(
      { key: 'a', name: 'A', condition: { all: [{ churn: 'lifetime', op: 'eq', value: '1', extra: true }] } },
      ctx,
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((issue) => [issue.path.join('.'), issue.code])).toEqual([
      ['condition.all.0.extra', 'unknown_field'],
      ['condition.all.0.churn', 'invalid_value'],
      ['condition.all.0.op', 'unknown_op'],
      ['condition.all.0.value', 'invalid_value'],
    ]);
  });

  it('flips pAlive < p exactly at the closed-form crossing instant', () => {
    const definitions = defs({ churn: 'pAlive', op: 'lt', value: 0.3 });
    const evaluation = evaluateProfile(definitions, facts(NOW));
    const crossing = FIRST + aliveFallsBelowAt(PARAMS, { x: 4, tx: 8 }, 0.3) * MS_PER_WEEK;
    expect(evaluation.audiences.a?.member).toBe(false);
    const at = evaluation.audiences.a?.changesAt ?? 0;
    expect(at - crossing).toBeGreaterThanOrEqual(0);
    expect(at - crossing).toBeLessThan(3);
    expect(evaluateProfile(definitions, facts(at)).audiences.a).toEqual({ member: true, changesAt: null });
    expect(evaluateProfile(definitions, facts(at - 1)).audiences.a?.member).toBe(false);
  });

  it('never flips for a profile without purchases, nor for meanValue', () => {
    expect(evaluateProfile(defs({ churn: 'pAlive', op: 'lt', value: 0.3 }), facts(NOW, null)).audiences.a).toEqual({
      member: false,
      changesAt: null,
    });
    expect(evaluateProfile(defs({ churn: 'meanValue', op: 'gte', value: 50 }), facts(NOW)).audiences.a).toEqual({
      member: true,
      changesAt: null,
    });
  });

  it('has expectations that only fall as time passes without a purchase (what the bisection relies on)', () => {
    for (const x of [1, 4, 30]) {
      const customer = { x, tx: 8, T: 8 };
      let previous = Number.POSITIVE_INFINITY;
      for (let T = 8; T < 400; T += 3) {
        const value = conditionalExpectedPurchases(PARAMS, { ...customer, T }, 90 / 7);
        expect(value).toBeLessThanOrEqual(previous);
        previous = value;
      }
    }
  });

  it('finds the millisecond an expectation crosses its threshold by bisection', () => {
    const later = NOW + 20 * 86_400_000;
    const threshold = churnOutputAt(PARAMS, PURCHASES, 'expectedValue90d', later) ?? 0;
    const evaluation = evaluateProfile(defs({ churn: 'expectedValue90d', op: 'lt', value: threshold }), facts(NOW));
    const at = evaluation.audiences.a?.changesAt ?? 0;
    expect(Math.abs(at - later)).toBeLessThanOrEqual(1);
    expect(churnOutputAt(PARAMS, PURCHASES, 'expectedValue90d', at)).toBeLessThan(threshold);
    expect(churnOutputAt(PARAMS, PURCHASES, 'expectedValue90d', at - 1)).toBeGreaterThanOrEqual(threshold);
  });

  it('answers a re-check instant one horizon ahead when the crossing is further', () => {
    const evaluation = evaluateProfile(defs({ churn: 'expectedPurchases30d', op: 'lt', value: 1e-12 }), facts(NOW));
    expect((evaluation.audiences.a?.changesAt ?? 0) - NOW).toBeGreaterThanOrEqual(CHURN_SEARCH_HORIZON_MS);
  });

  it('explains the node with the figure it compared', () => {
    const explain = explainAudience(defs({ churn: 'pAlive', op: 'gte', value: 0.3 }), 'a', facts(NOW));
    expect(explain).toMatchObject({ value: true, actual: churnOutputAt(PARAMS, PURCHASES, 'pAlive', NOW) });
    expect(explain?.changesAt).toMatch(/^20\d\d-/);
  });
});

describe('P(alive) bands', () => {
  it('labels bands [lower, upper)', () => {
    expect([0, 0.29, 0.3, 0.49, 0.5, 1].map((p) => churnBand([0.3, 0.5], p))).toEqual([
      '0-0.3',
      '0-0.3',
      '0.3-0.5',
      '0.3-0.5',
      '0.5-1',
      '0.5-1',
    ]);
  });

  it('answers when P(alive) leaves its band downwards, and never from the lowest band', () => {
    const at = nextBandChangeAt(PARAMS, PURCHASES, [0.3, 0.5], NOW) ?? 0;
    const before = churnBand([0.3, 0.5], churnOutputAt(PARAMS, PURCHASES, 'pAlive', NOW) ?? 0);
    expect(churnBand([0.3, 0.5], churnOutputAt(PARAMS, PURCHASES, 'pAlive', at) ?? 0)).not.toBe(before);
    expect(churnBand([0.3, 0.5], churnOutputAt(PARAMS, PURCHASES, 'pAlive', at - 2) ?? 0)).toBe(before);
    const late = NOW + 10_000 * MS_PER_WEEK;
    expect(nextBandChangeAt(PARAMS, PURCHASES, [0.3, 0.5], late)).toBeNull();
  });
});
