/**
 * The provider's hold on its client: created lazily on first use, never during
 * a server render, shared by every hook below one provider, and observable so
 * hooks re-render when the client appears or consent changes (through the
 * client's `onConsentChange` plugin hook, so changes made elsewhere count too).
 */
import { type ClientOptions, createClient, type ExhaustClient } from '@exhaust/browser';

export type ClientSource = { client: ExhaustClient } | { options: ClientOptions };

export interface ClientHolder {
  /** Stable facade: each call reaches the real client, creating it on first use. */
  readonly client: ExhaustClient;
  /** The real client once created; null before (and always during a server render). */
  peek(): ExhaustClient | null;
  /** Creates the client now (the provider does this once mounted, so auto page views start). */
  ensure(): ExhaustClient;
  /** Tells hooks to read again (client created, consent changed). */
  subscribe(listener: () => void): () => void;
  /** The provider unmounted: shut an owned client down unless it mounts again at once. */
  release(): void;
}

/**
 * @example
 * const holder = createClientHolder({ options: { writeKey: 'wk_123', host: 'https://collect.example.com' } });
 * holder.client.track('Viewed'); // creates the client on first call
 */
export function createClientHolder(source: ClientSource): ClientHolder {
  let releasing = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  // Every consent change reaches the hooks, wherever it was made: a hook, the client itself, another tab.
  const follow = (client: ExhaustClient) => {
    client.use({ name: 'exhaust-react-consent', onConsentChange: notify });
    return client;
  };
  let real: ExhaustClient | null = 'client' in source ? follow(source.client) : null;

  const ensure = (): ExhaustClient => {
    releasing = false;
    if (real) return real;
    real = follow(createClient((source as { options: ClientOptions }).options));
    notify();
    return real;
  };

  const client: ExhaustClient = {
    track: (...args) => ensure().track(...args),
    page: (...args) => ensure().page(...args),
    identify: (...args) => ensure().identify(...args),
    group: (...args) => ensure().group(...args),
    alias: (...args) => ensure().alias(...args),
    reset: () => ensure().reset(),
    flush: () => ensure().flush(),
    setConsent: (preferences) => ensure().setConsent(preferences),
    getConsent: () => ensure().getConsent(),
    user: () => ensure().user(),
    use: (plugin) => ensure().use(plugin),
    shutdown: () => ensure().shutdown(),
  };

  return {
    client,
    peek: () => real,
    ensure,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    release() {
      if ('client' in source) return; // the app created it, the app shuts it down
      releasing = true;
      // NOTE: StrictMode unmounts and remounts effects synchronously; a real unmount stays released after this tick.
      queueMicrotask(() => {
        if (!releasing || !real) return;
        const owned = real;
        real = null;
        void owned.shutdown();
      });
    },
  };
}
