/**
 * Who the device's visitor is: anonymousId (minted once), userId and traits
 * after `identify`. Persistence is a port (cookies + localStorage in browsers)
 * and can be switched off while consent is pending.
 */
import type { JsonObject } from '@exhaust/schema';

export interface IdentityState {
  anonymousId: string;
  userId: string | null;
  traits: JsonObject;
}

/** Synchronous persistence of the identity (it is read once at start and written on change). */
export interface IdentityStore {
  load(): Partial<IdentityState> | null;
  save(state: IdentityState): void;
  clear(): void;
}

export interface IdentityOptions {
  newId: () => string;
  store?: IdentityStore;
  /** Write to `store` at all. Default true; false until consent allows it. */
  persist?: boolean;
}

export interface Identity {
  get(): IdentityState;
  /** Sets the userId (a different one replaces the traits) and merges `traits`. */
  identify(userId?: string | null, traits?: JsonObject): IdentityState;
  /** Forgets userId and traits and mints a new anonymousId: the next person starts clean. */
  reset(): void;
  /** Starts (saving the current state) or stops (erasing what was saved) persisting. */
  setPersist(persist: boolean): void;
}

/**
 * @example
 * const identity = createIdentity({ newId: v4, store });
 * identity.identify('u-1', { plan: 'pro' });
 */
export function createIdentity(options: IdentityOptions): Identity {
  const { newId, store } = options;
  let persist = options.persist ?? true;
  const loaded = persist ? store?.load() : null;
  let state: IdentityState = {
    anonymousId: loaded?.anonymousId || newId(),
    userId: loaded?.userId ?? null,
    traits: loaded?.traits ?? {},
  };
  const save = () => {
    if (persist) store?.save(state);
  };
  // Saved at once: mirrors cookie and localStorage, and renews the cookie's lifetime on every visit.
  save();

  return {
    get: () => state,
    identify(userId, traits) {
      const changed = userId != null && userId !== state.userId;
      state = {
        ...state,
        userId: userId ?? state.userId,
        traits: { ...(changed && state.userId !== null ? {} : state.traits), ...traits },
      };
      save();
      return state;
    },
    reset() {
      state = { anonymousId: newId(), userId: null, traits: {} };
      // Saving overwrites cookie and localStorage; while not persisting there is nothing to erase.
      save();
    },
    setPersist(next) {
      persist = next;
      if (next) save();
      else store?.clear();
    },
  };
}
