import type { ExhaustClient } from '@exhaust/browser';
import { useCallback, useRef, useSyncExternalStore } from 'react';
import { useHolder } from './context.js';

/** Category preferences, e.g. `{ necessary: true, analytics: true, marketing: false }`. */
export type ConsentPreferences = Parameters<ExhaustClient['setConsent']>[0];

export interface ConsentState {
  /** Preferences in force; null while the visitor has not decided (or before the client is ready). */
  preferences: ConsentPreferences | null;
  /** False during a server render and until the client exists: nothing is known yet, so show no banner. */
  ready: boolean;
  /** True when the client is ready and the visitor has not decided: the moment to show a banner. */
  pending: boolean;
  /** Records a decision (granted categories flush, denied ones are purged). Never rejects. */
  setConsent(preferences: ConsentPreferences): Promise<void>;
}

const NOT_READY: unique symbol = Symbol('not ready');
const serverSnapshot = (): typeof NOT_READY => NOT_READY;

/**
 * The visitor's consent, for a cookie banner or a settings page. Re-renders on
 * every decision: made through any `useConsent()`, directly on the client
 * (`useExhaust().setConsent`, your own `client`), or in another tab of the site.
 *
 * @example
 * const { pending, setConsent } = useConsent();
 * if (!pending) return null;
 * return <button onClick={() => setConsent({ analytics: true, marketing: false })}>Accept analytics</button>;
 */
export function useConsent(): ConsentState {
  const holder = useHolder();
  // useSyncExternalStore needs an unchanged snapshot while nothing changed: keep the last one when equal.
  const last = useRef<{ key: string; value: ConsentPreferences | null } | null>(null);
  const read = useCallback((): ConsentPreferences | null | typeof NOT_READY => {
    const client = holder.peek();
    if (!client) return NOT_READY;
    const value = client.getConsent();
    const key = JSON.stringify(value);
    if (last.current?.key !== key) last.current = { key, value };
    return last.current.value;
  }, [holder]);
  const snapshot = useSyncExternalStore(holder.subscribe, read, serverSnapshot);
  const setConsent = useCallback((preferences: ConsentPreferences) => holder.client.setConsent(preferences), [holder]);
  const ready = snapshot !== NOT_READY;
  const preferences = ready ? snapshot : null;
  return { preferences, ready, pending: ready && preferences === null, setConsent };
}
