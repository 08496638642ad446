/**
 * `createClient`: the browser facade over the core tracker. It supplies the
 * browser adapters and Segment's call shapes; the queue, consent gate, plugins
 * and retries are the core's.
 */
import {
  ConfigError,
  type ConsentOptions,
  createId,
  createIdentity,
  createSession,
  createTracker,
  type Logger,
  type Plugin,
  type SessionState,
  silentLogger,
} from '@exhaust/core';
import type { CategoryPreferences, JsonObject, Message, MessageContext } from '@exhaust/schema';
import { createConsentedStorage, createWebLock } from './browser-ports.js';
import { createIndexedDbStorage } from './idb-storage.js';
import { pageContext, parseCampaign, staticContext } from './page-context.js';
import { CONSENT_KEY, createIdentityStore, readLocal, SESSION_KEY, writeLocal } from './persistence.js';
import { createFetchTransport } from './transport.js';
import { LIBRARY } from './version.js';

/** Name of the event that records every consent change at the collector. */
export const CONSENT_EVENT = 'Consent Preference Updated';

export interface ClientOptions {
  /** The source's write key. Required. */
  writeKey: string;
  /** Collector origin, e.g. `https://collect.example.com`. Required. */
  host: string;
  /** Log problems to the console. Default false: the SDK is silent. */
  debug?: boolean;
  consent?: ConsentOptions & {
    /** Treat `navigator.globalPrivacyControl` as a denial of `marketing`. Default true. */
    honorGlobalPrivacyControl?: boolean;
  };
  /** `page()` on load and on single-page-app navigation (history API, popstate). Default true. */
  autoPage?: boolean;
  /** Cookie domain for the anonymousId, e.g. `.example.com` to share it across subdomains. */
  cookieDomain?: string;
  /** `memory` keeps the queue out of IndexedDB. Default `indexeddb` (memory where unavailable). */
  storage?: 'indexeddb' | 'memory';
  plugins?: Plugin[];
  /** Default 5000. */
  flushIntervalMs?: number;
  /** Default 20. */
  flushAt?: number;
  /** Default 10,000. */
  maxQueueEvents?: number;
  /** Default 7 days. */
  maxEventAgeMs?: number;
  /** Default 30 minutes. */
  sessionTimeoutMs?: number;
}

export interface EventOptions {
  /** Consent category of this event. Default `analytics`. */
  category?: string;
  context?: MessageContext;
  timestamp?: string | Date;
  messageId?: string;
}

export interface User {
  anonymousId: string;
  userId: string | null;
  traits: JsonObject;
}

export interface ExhaustClient {
  track(event: string, properties?: JsonObject, options?: EventOptions): void;
  /** `page()`, `page(name)`, `page(category, name)`, each with optional properties and options. */
  page(
    category?: string | JsonObject,
    name?: string | JsonObject,
    properties?: JsonObject | EventOptions,
    options?: EventOptions,
  ): void;
  /** `identify(userId, traits?)` or `identify(traits)`. */
  identify(userId?: string | JsonObject | null, traits?: JsonObject, options?: EventOptions): void;
  group(groupId: string, traits?: JsonObject, options?: EventOptions): void;
  /** Links `previousId` (default: the current userId or anonymousId) to `userId`. */
  alias(userId: string, previousId?: string, options?: EventOptions): void;
  /** Forgets userId and traits and mints a new anonymousId (call on logout). */
  reset(): void;
  /**
   * Resolves when what was captured so far is acknowledged or still failing after retries. After the
   * collector asked for a pause (429, 5xx, `Retry-After`) it waits that out first, or resolves at once
   * (events still queued) when the pause ends more than 10 s from now.
   */
  flush(): Promise<void>;
  setConsent(preferences: CategoryPreferences): Promise<void>;
  /** Preferences in force; null while consent is pending. */
  getConsent(): CategoryPreferences | null;
  user(): User;
  /** Adds a plugin (before-send, after-send, onError hooks); returns a function that removes it. */
  use(plugin: Plugin): () => void;
  /** Flushes, then stops timers and listeners. */
  shutdown(): Promise<void>;
}

/** What `createClient` returns where there is no browser: every call does nothing. */
export function createNoopClient(): ExhaustClient {
  const nothing = () => {};
  const resolved = async () => {};
  return {
    track: nothing,
    page: nothing,
    identify: nothing,
    group: nothing,
    alias: nothing,
    reset: nothing,
    use: () => nothing,
    flush: resolved,
    setConsent: resolved,
    shutdown: resolved,
    getConsent: () => null,
    user: () => ({ anonymousId: '', userId: null, traits: {} }),
  };
}

/**
 * Creates the browser client. Throws `ConfigError` on missing `writeKey` or
 * `host`; every method after that never throws. On the server (no `window`) it
 * returns a client whose calls do nothing.
 *
 * @example
 * const exhaust = createClient({ writeKey: 'wk_123', host: 'https://collect.example.com' });
 * exhaust.track('Signed Up', { plan: 'pro' });
 */
export function createClient(options: ClientOptions): ExhaustClient {
  if (!options?.writeKey || !options.host) throw new ConfigError('createClient needs a writeKey and a host');
  if (typeof window !== 'undefined') return createBrowserClient(options);
  if (options.debug) console.warn('exhaust: no window (SSR), calls do nothing');
  return createNoopClient();
}

/** `createClient` without the checks: the script tag's entry (it always runs in a browser). */
export function createBrowserClient(options: ClientOptions): ExhaustClient {
  const logger: Logger = options.debug ? console : silentLogger;
  const consent = options.consent ?? {};
  const gpc =
    (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl &&
    consent.honorGlobalPrivacyControl !== false;
  // NOTE: first called after createTracker returned (storage is used from a timer, identity below).
  const persist = () => !!core.getConsent() && !core.deniesAll();
  const fixed = staticContext();
  let referrer = document.referrer;
  const session = createSession({
    now: Date.now,
    timeoutMs: options.sessionTimeoutMs,
    initial: readLocal<SessionState>(SESSION_KEY),
  });
  // NOTE: session activity is written on page hide, not per event: no storage work on the track() path.
  const saveSession = () => persist() && writeLocal(SESSION_KEY, session.state());

  const core = createTracker({
    ...options,
    transport: createFetchTransport(options),
    storage: createConsentedStorage(
      // NOTE: where IndexedDB is missing its first call throws, and the memory fallback says so in debug.
      options.storage === 'memory' ? null : createIndexedDbStorage(),
      persist,
      logger,
    ),
    lock: createWebLock(),
    logger,
    library: LIBRARY,
    consent: {
      ...consent,
      denied: [...(consent.denied ?? []), ...(gpc ? ['marketing'] : [])],
      initial: consent.initial ?? readLocal<CategoryPreferences>(CONSENT_KEY),
    },
    context() {
      return {
        ...fixed,
        page: pageContext(referrer),
        campaign: parseCampaign(location.search),
        session: session.touch(),
      };
    },
  });
  const identity = createIdentity({
    newId: createId,
    store: createIdentityStore(options.cookieDomain),
    persist: persist(),
  });

  // Nothing here can throw (the core's capture catches, an invalid timestamp included): nothing reaches the page.
  const capture = (message: Message, eventOptions?: EventOptions) => {
    const { anonymousId, userId } = identity.get();
    // NOTE: spread first, so a null from plain JavaScript is harmless; the core normalizes `timestamp`.
    const { category, ...rest } = { ...eventOptions };
    // NOTE: undefined, not null: JSON drops it; an alias's own userId (spread after) wins.
    core.capture({ anonymousId, userId: userId ?? undefined, ...message, ...rest } as Message, { category });
  };

  // NOTE: one handler for visibilitychange and pagehide; the page is hidden by the time pagehide fires.
  const onHide = () => {
    if (document.visibilityState === 'hidden') {
      core.flushKeepalive();
      saveSession();
    }
  };
  // Another tab decided (its `setConsent` wrote the decision, recorded it and purged the shared queue):
  // apply it here too, so this tab's gate, identity persistence and `onConsentChange` plugins follow.
  const onStorage = (event: StorageEvent) => {
    const preferences = event.key === CONSENT_KEY && readLocal<CategoryPreferences>(CONSENT_KEY);
    if (preferences) core.setConsent(preferences).then(() => identity.setPersist(persist()));
  };
  let lastUrl = location.href;
  // NOTE: runs inside the host app's pushState: it must never throw (page() catches).
  const onNavigate = () => {
    if (location.href.split('#')[0] === lastUrl.split('#')[0]) return;
    referrer = lastUrl;
    lastUrl = location.href;
    client.page();
  };
  const autoPage = options.autoPage !== false;
  const listen = (method: typeof addEventListener) => {
    method('visibilitychange', onHide);
    method('pagehide', onHide);
    method('online', core.flush);
    method('storage', onStorage as EventListener);
    if (autoPage) method('popstate', onNavigate);
  };

  const client: ExhaustClient = {
    track(event, properties, eventOptions) {
      capture({ type: 'track', event, properties: properties ?? {} }, eventOptions);
    },
    page(category, name, properties, eventOptions) {
      // Segment's shapes: page(properties?), page(name, properties?), page(category, name, properties?).
      if (typeof category !== 'string')
        [category, name, properties, eventOptions] = [undefined, undefined, category, name as EventOptions];
      else if (typeof name !== 'string')
        [category, name, properties, eventOptions] = [undefined, category, name, properties];
      capture(
        {
          type: 'page',
          // NOTE: an undefined name or category is left out of the JSON body.
          name: name as string | undefined,
          category,
          properties: { ...pageContext(referrer), ...(properties as JsonObject) } as JsonObject,
        },
        eventOptions,
      );
    },
    identify(userId, traits, eventOptions) {
      if (typeof userId === 'object' && userId !== null) [userId, traits, eventOptions] = [undefined, userId, traits];
      capture({ type: 'identify', traits: identity.identify(userId, traits).traits }, eventOptions);
    },
    group(groupId, traits, eventOptions) {
      capture({ type: 'group', groupId, traits }, eventOptions);
    },
    alias(userId, previousId, eventOptions) {
      const current = identity.get();
      capture({ type: 'alias', userId, previousId: previousId ?? current.userId ?? current.anonymousId }, eventOptions);
    },
    reset: identity.reset,
    flush: core.flush,
    async setConsent(preferences) {
      try {
        const hadGrant = persist();
        await core.setConsent(preferences);
        // The decision itself is strictly necessary to keep: without it the banner would return on every page.
        writeLocal(CONSENT_KEY, core.getConsent());
        const granted = persist();
        identity.setPersist(granted);
        // Every change is recorded at the collector, except a first refusal (nothing to record it against).
        if (granted || hadGrant) client.track(CONSENT_EVENT, {}, { category: 'necessary' });
        if (granted) {
          saveSession();
          void core.flush();
        } else if (hadGrant) {
          // Revoking everything: send the revocation, then forget the device (a first refusal stored nothing).
          await core.flush();
          writeLocal(SESSION_KEY, null);
          await core.clear();
        }
      } catch (error) {
        logger.debug('exhaust', error);
      }
    },
    getConsent: core.getConsent,
    // The state object is replaced on every change, never mutated: safe to hand out.
    user: identity.get,
    use: core.use,
    async shutdown() {
      // NOTE: history stays patched; later page() calls are queued (stored) and sent by the next page.
      listen(removeEventListener);
      saveSession();
      await core.shutdown();
    },
  };

  listen(addEventListener);
  if (autoPage) {
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method];
      history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        original.apply(this, args);
        onNavigate();
      };
    }
  }
  if (autoPage) client.page();
  return client;
}
