import type { AudienceDefinition, ComputedTraitDefinition, JsonObject, ScoreRule } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { evaluateProfile } from '../evaluate-profile.js';
import type { FactEvent } from '../facts.js';
import { scoreAt } from './score.js';

const S = 1000;
const NOW = Date.UTC(2026, 0, 10, 12);
let seq = 0;
const ev = (name: string, at: number): FactEvent => ({
  messageId: `e${seq++}`,
  type: 'track',
  name,
  at,
  properties: {},
});

const demo: ScoreRule = { when: { event: 'Demo Requested' }, points: 30 };
const unsub: ScoreRule = { when: { event: 'Unsubscribed' }, points: -20 };
const fit: ScoreRule = { when: { trait: 'employees', op: 'gte', value: 50 }, points: 20 };

function score(
  definition: Omit<ComputedTraitDefinition, 'key' | 'kind'>,
  events: FactEvent[],
  traits: JsonObject = {},
  now = NOW,
) {
  const def: ComputedTraitDefinition = { key: 's', kind: 'score', ...definition };
  return evaluateProfile({ computedTraits: new Map([['s', def]]), audiences: new Map() }, { traits, events, now })
    .computed.s!;
}

describe('score without time handling', () => {
  const twoDemosOneUnsub = [
    ev('Demo Requested', NOW - 3 * S),
    ev('Unsubscribed', NOW - 2 * S),
    ev('Demo Requested', NOW - S),
  ];
  it.each([
    ['negative points', { rules: [demo, unsub] }, twoDemosOneUnsub, {}, 40],
    ['fit rule holds', { rules: [demo, fit] }, twoDemosOneUnsub, { employees: 80 }, 80],
    ['fit rule does not hold', { rules: [demo, fit] }, twoDemosOneUnsub, { employees: 10 }, 60],
    ['max clamps', { rules: [demo], max: 50 }, twoDemosOneUnsub, {}, 50],
    ['min clamps', { rules: [unsub], min: -10 }, twoDemosOneUnsub, {}, -10],
    ['maxPerDay caps a rule per UTC day', { rules: [{ ...demo, maxPerDay: 40 }] }, twoDemosOneUnsub, {}, 40],
    [
      'maxPerDay starts again the next UTC day',
      { rules: [{ ...demo, maxPerDay: 40 }] },
      [...twoDemosOneUnsub, ev('Demo Requested', NOW - 86_400 * S)],
      {},
      70,
    ],
    [
      'maxPerDay caps negative points in magnitude',
      { rules: [{ ...unsub, maxPerDay: 30 }] },
      [ev('Unsubscribed', NOW - 3 * S), ev('Unsubscribed', NOW - S)],
      {},
      -30,
    ],
  ])('%s', (_name, definition, events, traits, value) => {
    expect(score(definition, events, traits)).toEqual({ value, changesAt: null });
  });
});

describe('score within a window', () => {
  it('drops points when their event ages out', () => {
    const events = [ev('Demo Requested', NOW - 50 * S), ev('Unsubscribed', NOW - 10 * S)];
    expect(score({ rules: [demo, unsub], within: '60s' }, events)).toEqual({ value: 10, changesAt: NOW + 10 * S });
    expect(score({ rules: [demo, unsub], within: '60s' }, events, {}, NOW + 10 * S)).toEqual({
      value: -20,
      changesAt: NOW + 50 * S,
    });
  });
});

describe('score with halfLife', () => {
  const def = (rules: ScoreRule[], extra: Partial<ComputedTraitDefinition> = {}): ComputedTraitDefinition => ({
    key: 'engagement',
    kind: 'score',
    rules,
    halfLife: '10s',
    ...extra,
  });
  const hot = (threshold: number, op: 'gte' | 'lt' = 'gte'): AudienceDefinition => ({
    key: 'hot',
    name: 'Hot',
    condition: { computed: 'engagement', op, value: threshold },
  });
  const evaluateAt = (
    definition: ComputedTraitDefinition,
    audience: AudienceDefinition,
    events: FactEvent[],
    now: number,
    traits: JsonObject = {},
  ) =>
    evaluateProfile(
      { computedTraits: new Map([['engagement', definition]]), audiences: new Map([['hot', audience]]) },
      { traits, events, now },
    );

  it('halves every halfLife and reports 2 decimals', () => {
    const definition = def([{ when: { event: 'Demo Requested' }, points: 100 }]);
    const events = [ev('Demo Requested', NOW - 10 * S)];
    const result = evaluateAt(definition, hot(10), events, NOW).computed.engagement!;
    expect(result.value).toBe(50);
    expect(result.changesAt).toBeNull();
    expect(scoreAt(result.decay!, NOW + 10 * S)).toBeCloseTo(25, 9);
    expect(evaluateAt(definition, hot(10), events, NOW + 5 * S).computed.engagement!.value).toBe(35.36);
  });

  it.each([
    ['exits when the score falls below gte 50', [{ when: { event: 'Demo Requested' }, points: 80 }], {}, hot(50), true],
    [
      'exits with fit points under the curve',
      [{ when: { event: 'Demo Requested' }, points: 80 }, fit],
      { employees: 99 },
      hot(50),
      true,
    ],
    [
      'enters when the score falls below lt 30',
      [{ when: { event: 'Demo Requested' }, points: 80 }],
      {},
      hot(30, 'lt'),
      false,
    ],
    [
      'climbs back toward zero after negative points',
      [{ when: { event: 'Unsubscribed' }, points: -80 }],
      {},
      { ...hot(-20, 'lt') },
      true,
    ],
    ['with a max clamp above the threshold', [{ when: { event: 'Demo Requested' }, points: 300 }], {}, hot(50), true],
  ] as [string, ScoreRule[], JsonObject, AudienceDefinition, boolean][])(
    '%s, at the exact crossing instant',
    (_name, rules, traits, audience, memberNow) => {
      const definition = def(rules, rules[0]!.points === 300 ? { max: 100 } : {});
      const events = [ev('Demo Requested', NOW - 2 * S), ev('Unsubscribed', NOW - 2 * S)];
      const now = evaluateAt(definition, audience, events, NOW, traits).audiences.hot!;
      expect(now.member).toBe(memberNow);
      const at = now.changesAt!;
      expect(at).toBeGreaterThan(NOW);
      expect(evaluateAt(definition, audience, events, at - 1, traits).audiences.hot!.member).toBe(memberNow);
      const after = evaluateAt(definition, audience, events, at, traits).audiences.hot!;
      expect(after.member).toBe(!memberNow);
      expect(after.changesAt).toBeNull();
    },
  );

  it('solves the crossing in closed form: 80 points, threshold 50, halfLife 10 s', () => {
    const definition = def([{ when: { event: 'Demo Requested' }, points: 80 }]);
    const result = evaluateAt(definition, hot(50), [ev('Demo Requested', NOW)], NOW);
    expect(result.audiences.hot!.changesAt).toBe(NOW + Math.ceil(10_000 * Math.log2(80 / 50)));
    expect(result.nextChangeAt).toBe(result.audiences.hot!.changesAt);
  });

  it('a future-dated event is a step: the trait changes then, and the audience enters then', () => {
    const definition = def([{ when: { event: 'Demo Requested' }, points: 80 }]);
    const result = evaluateAt(definition, hot(50), [ev('Demo Requested', NOW + 7 * S)], NOW);
    expect(result.computed.engagement).toMatchObject({ value: 0, changesAt: NOW + 7 * S });
    expect(result.audiences.hot).toEqual({ member: false, changesAt: NOW + 7 * S });
  });
});
