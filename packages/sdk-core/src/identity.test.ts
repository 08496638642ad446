import { describe, expect, it } from 'vitest';
import { createIdentity, type IdentityState, type IdentityStore } from './identity.js';
import { createSession } from './session.js';

function memoryStore(initial: Partial<IdentityState> | null = null) {
  let saved: IdentityState | null = null;
  const store: IdentityStore = {
    load: () => initial,
    save: (state) => {
      saved = JSON.parse(JSON.stringify(state));
    },
    clear: () => {
      saved = null;
    },
  };
  return { store, saved: () => saved };
}

let n = 0;
const newId = () => `anon-${++n}`;

describe('createIdentity', () => {
  it('mints an anonymousId once and persists it', () => {
    const { store, saved } = memoryStore();
    const identity = createIdentity({ newId, store });
    const anonymousId = identity.get().anonymousId;
    expect(saved()).toEqual({ anonymousId, userId: null, traits: {} });
    expect(identity.get().anonymousId).toBe(anonymousId);
  });

  it('reads back what an earlier page saved', () => {
    const { store } = memoryStore({ anonymousId: 'kept', userId: 'u-1', traits: { plan: 'pro' } });
    expect(createIdentity({ newId, store }).get()).toEqual({
      anonymousId: 'kept',
      userId: 'u-1',
      traits: { plan: 'pro' },
    });
  });

  it('merges traits for the same user and replaces them for a different one', () => {
    const identity = createIdentity({ newId });
    identity.identify('u-1', { plan: 'pro' });
    identity.identify(undefined, { seats: 3 });
    expect(identity.get()).toMatchObject({ userId: 'u-1', traits: { plan: 'pro', seats: 3 } });
    identity.identify('u-2', { name: 'B' });
    expect(identity.get()).toMatchObject({ userId: 'u-2', traits: { name: 'B' } });
  });

  it('reset() forgets the person and mints a new anonymousId', () => {
    const { store, saved } = memoryStore();
    const identity = createIdentity({ newId, store });
    const before = identity.get().anonymousId;
    identity.identify('u-1', { plan: 'pro' });
    identity.reset();
    expect(identity.get().anonymousId).not.toBe(before);
    expect(identity.get()).toMatchObject({ userId: null, traits: {} });
    expect(saved()).toEqual(identity.get());
  });

  it('writes nothing while persistence is off, and erases on switching it off', () => {
    const { store, saved } = memoryStore({ anonymousId: 'ignored' });
    const identity = createIdentity({ newId, store, persist: false });
    identity.identify('u-1');
    expect(saved()).toBeNull();
    expect(identity.get().anonymousId).not.toBe('ignored');
    identity.setPersist(true);
    expect(saved()).toMatchObject({ userId: 'u-1' });
    identity.setPersist(false);
    expect(saved()).toBeNull();
  });
});

describe('createSession', () => {
  it('keeps the session while active and starts a new one after the inactivity timeout', () => {
    let now = 1_000_000;
    const session = createSession({ now: () => now, timeoutMs: 1000 });
    expect(session.touch()).toEqual({ id: '1000000', start: true });
    now += 999;
    expect(session.touch()).toEqual({ id: '1000000', start: false });
    now += 999;
    expect(session.touch()).toEqual({ id: '1000000', start: false });
    now += 1001;
    expect(session.touch()).toEqual({ id: String(now), start: true });
  });

  it('continues a session an earlier page started', () => {
    const session = createSession({ now: () => 5000, initial: { id: '4000', lastSeen: 4500 } });
    expect(session.touch()).toEqual({ id: '4000', start: false });
  });
});
