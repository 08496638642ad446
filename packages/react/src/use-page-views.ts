import { useRef, useSyncExternalStore } from 'react';
import { useHolder, useIsomorphicLayoutEffect } from './context.js';
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
 * back/forward). The view is captured when the new route is committed: after
 * its `<title>` (React 19) and before the events its effects track. Use it
 * once, near the root, with a client whose `autoPage` is off (the provider's
 * default) so no view counts twice.
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

  // NOTE: a layout effect: the view is captured before any effect of the new route tracks something
  // (a page view first, then its 'Product Viewed'), and after React 19 committed the route's <title>.
  useIsomorphicLayoutEffect(() => {
    // StrictMode runs effects twice: one view per path, not per effect run.
    if (path === null || previous.current?.path === path) return;
    const referrer = previous.current?.url;
    previous.current = { path, url: window.location.href };
    const [pathname = '', search = ''] = splitPath(path);
    const name = nameOf.current?.(pathname);
    const properties = { path: pathname, search, ...(referrer ? { referrer } : {}) };
    if (name) client.page(name, properties);
    else client.page(properties);
  }, [client, path]);
}

function splitPath(path: string): [string, string] {
  const at = path.indexOf('?');
  return at === -1 ? [path, ''] : [path.slice(0, at), path.slice(at)];
}
