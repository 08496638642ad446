import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useHolder } from './context.js';
import { subscribeToHistory } from './history-listener.js';

/** A router's location (React Router's `useLocation()` fits), or a path string. */
export type PageLocation = string | { pathname: string; search?: string };

export interface PageViewOptions {
  /** Page name for a path, e.g. `(path) => path.startsWith('/products/') ? 'Product' : undefined`. */
  name?: (path: string) => string | undefined;
}

const noSubscription = () => () => {};
const browserPath = () => location.pathname + location.search;
const serverPath = () => null;

/**
 * Sends `page()` once when mounted and again whenever the path (pathname +
 * search; the hash is not a page) changes. Give it your router's location, or
 * nothing to follow plain history navigation (`pushState`, `replaceState`,
 * back/forward). It runs after the new route rendered, so `document.title` is
 * the new page's. Use it once, near the root, with a client whose `autoPage`
 * is off (the provider's default) so no view counts twice.
 *
 * @example
 * // React Router
 * function PageViews() { usePageViews(useLocation()); return null; }
 * // no router
 * function App() { usePageViews(); ... }
 */
export function usePageViews(location?: PageLocation, options: PageViewOptions = {}): void {
  const { client } = useHolder();
  const followHistory = location === undefined;
  const historyPath = useSyncExternalStore(
    followHistory ? subscribeToHistory : noSubscription,
    browserPath,
    serverPath,
  );
  const path = followHistory
    ? historyPath
    : typeof location === 'string'
      ? location
      : location.pathname + (location.search ?? '');
  const previous = useRef<{ path: string; url: string } | null>(null);
  const nameOf = useRef(options.name);
  nameOf.current = options.name;

  useEffect(() => {
    // StrictMode runs effects twice: one view per path, not per effect run.
    if (path === null || previous.current?.path === path) return;
    const referrer = previous.current?.url;
    previous.current = { path, url: window.location.href };
    const [pathname = '', search = ''] = splitPath(path);
    const name = nameOf.current?.(pathname);
    const properties = { path: pathname, search, ...(referrer ? { referrer } : {}) };
    // NOTE: after every effect of this commit, so a route rendered beside this hook has set its title.
    queueMicrotask(() => (name ? client.page(name, properties) : client.page(properties)));
  }, [client, path]);
}

function splitPath(path: string): [string, string] {
  const at = path.indexOf('?');
  return at === -1 ? [path, ''] : [path.slice(0, at), path.slice(at)];
}
