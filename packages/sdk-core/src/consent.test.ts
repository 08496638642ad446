import { describe, expect, it } from 'vitest';
import { createConsentGate } from './consent.js';

type Item = { id: number; category: string };
const byCategory = (item: Item) => item.category;

describe('createConsentGate', () => {
  it('grants every category when consent is not required', () => {
    const gate = createConsentGate<Item>({}, byCategory);
    expect(gate.preferences()).toEqual({ necessary: true, analytics: true, marketing: true, personalization: true });
    expect(gate.allows('marketing')).toBe(true);
  });

  it('is pending when required: nothing allowed, items held in order', () => {
    const gate = createConsentGate<Item>({ required: true }, byCategory);
    expect(gate.preferences()).toBeNull();
    expect(gate.allows('necessary')).toBe(false);
    expect(gate.hold({ id: 1, category: 'analytics' })).toBe(true);
    expect(gate.hold({ id: 2, category: 'marketing' })).toBe(true);
    expect(gate.hold({ id: 3, category: 'analytics' })).toBe(true);
    const { released, dropped, denied } = gate.set({ analytics: true });
    expect(released.map((item) => item.id)).toEqual([1, 3]);
    expect(dropped.map((item) => item.id)).toEqual([2]);
    expect(denied.sort()).toEqual(['marketing', 'personalization']);
    expect(gate.preferences()).toEqual({ necessary: true, analytics: true, marketing: false, personalization: false });
  });

  it('bounds what it holds, and holds nothing in drop mode', () => {
    const bounded = createConsentGate<Item>({ required: true, maxPendingEvents: 2 }, byCategory);
    expect([1, 2, 3].map((id) => bounded.hold({ id, category: 'analytics' }))).toEqual([true, true, false]);
    const dropping = createConsentGate<Item>({ required: true, whilePending: 'drop' }, byCategory);
    expect(dropping.hold({ id: 1, category: 'analytics' })).toBe(false);
  });

  it('keeps earlier answers for categories a later update does not mention', () => {
    const gate = createConsentGate<Item>({ required: true }, byCategory);
    gate.set({ analytics: true, marketing: true });
    gate.set({ marketing: false });
    expect(gate.preferences()).toMatchObject({ analytics: true, marketing: false });
  });

  it('never grants a category that is always denied (Global Privacy Control)', () => {
    const gate = createConsentGate<Item>({ denied: ['marketing'] }, byCategory);
    expect(gate.allows('marketing')).toBe(false);
    gate.set({ marketing: true });
    expect(gate.allows('marketing')).toBe(false);
  });

  it('starts from an earlier decision and knows when everything is denied', () => {
    const gate = createConsentGate<Item>({ required: true, initial: { analytics: false } }, byCategory);
    expect(gate.preferences()).not.toBeNull();
    expect(gate.deniesAll()).toBe(true);
    gate.set({ analytics: true });
    expect(gate.deniesAll()).toBe(false);
  });

  it('accepts custom categories', () => {
    const gate = createConsentGate<Item>({ required: true, categories: ['stats'] }, byCategory);
    gate.set({ stats: true, support: true });
    expect(gate.preferences()).toEqual({ necessary: true, stats: true, support: true });
  });
});
