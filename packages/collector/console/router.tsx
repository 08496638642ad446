/**
 * A tiny hash router: `#/profiles/email%3Aada%40x.org`. Hash routes need no
 * server fallback, so `/console/` stays plain static files. A page is one
 * entry of `ROUTES` (see main.tsx).
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** `/profiles/:ref`: segments starting with ':' are parameters (URL-decoded). */
  pattern: string;
  page: ComponentType<{ params: Record<string, string> }>;
  /** Shown in the navigation when set. */
  nav?: string;
  title: string;
}

export function match(routes: Route[], path: string): { route: Route; params: Record<string, string> } | null {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.pattern.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((segment, i) => {
      const part = parts[i] as string;
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = decodeURIComponent(part);
        return true;
      }
      return segment === part;
    });
    if (ok) return { route, params };
  }
  return null;
}

/** The route path of the hash, without its query (`#/profiles?q=ada` is `/profiles`). */
export const currentPath = () => location.hash.replace(/^#/, '').split('?')[0] || '/';

/** The whole hash, query included: a page keyed by it starts afresh when it changes. */
export function useHash(): string {
  const [path, setPath] = useState(() => location.hash);
  useEffect(() => {
    const update = () => setPath(location.hash);
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return path;
}

export const href = (...segments: string[]) => `#/${segments.map(encodeURIComponent).join('/')}`;
export const navigate = (to: string) => {
  location.hash = to;
};
