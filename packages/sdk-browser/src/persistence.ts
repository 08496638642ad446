/**
 * What the SDK keeps on the device besides the queue: the anonymousId in a
 * first-party cookie (so subdomains can share it) mirrored in localStorage,
 * userId and traits, the session, and the visitor's consent decision.
 * Every access is guarded: storage can be missing or throw (private modes).
 */
import type { IdentityState, IdentityStore } from '@exhaust/core';

export const ANONYMOUS_ID_COOKIE = 'exhaust_v1_aid';
export const IDENTITY_KEY = 'exhaust:v1:identity';
export const SESSION_KEY = 'exhaust:v1:session';
export const CONSENT_KEY = 'exhaust:v1:consent';
/** Lifetime of the anonymousId cookie (about 13 months, the longest common consent rules allow). */
export const COOKIE_MAX_AGE_S = 400 * 24 * 60 * 60;

export function readLocal<T>(key: string): T | null {
  try {
    return JSON.parse(localStorage.getItem(key)!) as T;
  } catch {
    return null;
  }
}

export function writeLocal(key: string, value: unknown): void {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // NOTE: quota or disabled storage: the value lives in memory for this page.
  }
}

/** The anonymousId cookie. Its value is a uuid we minted: nothing to encode. */
function readCookie(): string | undefined {
  try {
    return document.cookie.match(`(?:^|; )${ANONYMOUS_ID_COOKIE}=([^;]+)`)?.[1];
  } catch {}
}

function writeCookie(value: string, domain?: string): void {
  try {
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is async and missing in Firefox and Safari.
    document.cookie = `${ANONYMOUS_ID_COOKIE}=${value}; path=/; SameSite=Lax; max-age=${value ? COOKIE_MAX_AGE_S : 0}${
      domain ? `; domain=${domain}` : ''
    }${location.protocol === 'https:' ? '; Secure' : ''}`;
  } catch {}
}

/**
 * Identity in cookie + localStorage. The cookie's anonymousId wins when both
 * exist (another subdomain may have set it).
 *
 * @example createIdentityStore('.example.com')
 */
export function createIdentityStore(cookieDomain?: string): IdentityStore {
  return {
    load() {
      const saved = readLocal<Partial<IdentityState>>(IDENTITY_KEY);
      const anonymousId = readCookie() ?? saved?.anonymousId;
      return { ...saved, anonymousId };
    },
    save(state) {
      writeCookie(state.anonymousId, cookieDomain);
      writeLocal(IDENTITY_KEY, state);
    },
    clear() {
      writeCookie('', cookieDomain);
      writeLocal(IDENTITY_KEY, null);
    },
  };
}
