import { describe, expect, it } from 'vitest';
import { resolveConsent } from './consent.js';
import { resolveTraits, type TraitWrite } from './traits.js';

const at = (ms: number) => new Date(ms).toISOString();

describe('resolveTraits', () => {
  const rows: { name: string; writes: TraitWrite[]; traits: Record<string, unknown> }[] = [
    {
      name: 'latest event time wins whatever the arrival order',
      writes: [
        { key: 'plan', value: 'pro', tsMs: 2000, seq: 1 },
        { key: 'plan', value: 'free', tsMs: 1000, seq: 2 },
      ],
      traits: { plan: 'pro' },
    },
    {
      name: 'equal event times: later arrival wins',
      writes: [
        { key: 'plan', value: 'free', tsMs: 1000, seq: 2 },
        { key: 'plan', value: 'pro', tsMs: 1000, seq: 1 },
      ],
      traits: { plan: 'free' },
    },
    {
      name: 'a newest null unsets',
      writes: [
        { key: 'name', value: 'Ada', tsMs: 1000, seq: 1 },
        { key: 'name', value: null, tsMs: 2000, seq: 2 },
      ],
      traits: {},
    },
    {
      name: 'an older null does not unset',
      writes: [
        { key: 'name', value: null, tsMs: 1000, seq: 2 },
        { key: 'name', value: 'Ada', tsMs: 2000, seq: 1 },
      ],
      traits: { name: 'Ada' },
    },
    {
      name: 'objects are values as sent; __proto__ stays data',
      writes: [
        { key: 'address', value: { city: 'Oslo' }, tsMs: 1, seq: 1 },
        { key: '__proto__', value: { polluted: true }, tsMs: 1, seq: 2 },
      ],
      traits: { address: { city: 'Oslo' }, ['__proto__']: { polluted: true } },
    },
  ];

  it.each(rows)('$name', ({ writes, traits }) => {
    const resolved = resolveTraits(writes);
    expect(JSON.parse(JSON.stringify(resolved.traits))).toEqual(JSON.parse(JSON.stringify(traits)));
    expect(Object.keys(resolved.traitTimestamps).sort()).toEqual(Object.keys(traits).sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports the winning write time per trait', () => {
    expect(resolveTraits([{ key: 'a', value: 1, tsMs: 5000, seq: 1 }]).traitTimestamps).toEqual({ a: at(5000) });
  });
});

describe('resolveConsent', () => {
  it('keeps the latest choice per category by event time', () => {
    const state = resolveConsent([
      { category: 'ads', granted: true, tsMs: 3000, seq: 1 },
      { category: 'ads', granted: false, tsMs: 1000, seq: 2 },
      { category: 'analytics', granted: false, tsMs: 1000, seq: 3 },
      { category: 'analytics', granted: true, tsMs: 1000, seq: 4 },
    ]);
    expect({ ...state }).toEqual({
      ads: { granted: true, at: at(3000) },
      analytics: { granted: true, at: at(1000) },
    });
  });
});
