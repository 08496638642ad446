/**
 * The copy-paste snippet: defines `window.exhaust` as a stub that queues calls
 * made before the bundle arrives, then loads the bundle asynchronously; the
 * bundle replays the queued calls in order (see `script-tag.ts`).
 */

/** Methods the stub accepts before the bundle has loaded (those that return nothing). */
export const STUB_METHODS = ['track', 'page', 'identify', 'group', 'alias', 'reset', 'flush', 'setConsent', 'use'];

/** Default place of the bundle: the npm package on unpkg. */
export const DEFAULT_BUNDLE_URL = 'https://unpkg.com/@exhaust/browser/dist/exhaust.min.js';

export interface SnippetOptions {
  writeKey: string;
  /** Collector origin. */
  host: string;
  /** URL of `exhaust.min.js`. Default {@link DEFAULT_BUNDLE_URL}. */
  src?: string;
}

/**
 * The snippet's JavaScript (put it in a `<script>` element in `<head>`).
 *
 * @example document.head.innerHTML += `<script>${snippet({ writeKey: 'wk_1', host: 'https://c.example.com' })}</script>`;
 */
export function snippet({ writeKey, host, src = DEFAULT_BUNDLE_URL }: SnippetOptions): string {
  const quote = (value: string) => JSON.stringify(value).replace(/</g, '\\u003c');
  return (
    '!function(w,d,m,e,s){e=w.exhaust=w.exhaust||[];if(e.push!==[].push)return;' +
    'm.forEach(function(n){e[n]=e[n]||function(){e.push([n].concat([].slice.call(arguments)))}});' +
    `s=d.createElement("script");s.async=1;s.src=${quote(src)};` +
    `s.dataset.writeKey=${quote(writeKey)};s.dataset.host=${quote(host)};d.head.appendChild(s)}` +
    `(window,document,${JSON.stringify(STUB_METHODS)});`
  );
}
