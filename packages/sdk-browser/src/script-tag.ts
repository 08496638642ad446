/**
 * Entry of the script-tag bundle (`dist/exhaust.min.js`, global `exhaust`: the
 * client itself). Configures itself from its `<script>` element
 * (`data-write-key`, `data-host`, `data-consent="required"`,
 * `data-auto-page="false"`, `data-debug`) or from `window.exhaust.options` set
 * before it loads, then replays the calls the snippet's stub queued, in order.
 */
import { type ClientOptions, createBrowserClient, type ExhaustClient } from './client.js';

const stub = (window as unknown as { exhaust?: unknown[][] & { options?: ClientOptions } }).exhaust;
const data = (document.currentScript as HTMLScriptElement | null)?.dataset ?? {};
const options = { ...stub?.options } as ClientOptions;
options.writeKey = data.writeKey ?? options.writeKey;
options.host = data.host ?? options.host;
if (data.consent === 'required') options.consent = { ...options.consent, required: true };
if (data.autoPage === 'false') options.autoPage = false;
if ('debug' in data) options.debug = true;
let client: ExhaustClient;
if (options.writeKey && options.host) {
  client = createBrowserClient(options);
  for (const [method, ...args] of Array.isArray(stub) ? stub : []) {
    (client[method as 'track'] as (...a: unknown[]) => void)?.(...args);
  }
} else {
  console.error('[exhaust] no data-write-key or data-host');
  // Calls on a misconfigured page must not throw: every method is a no-op.
  client = new Proxy({} as ExhaustClient, { get: () => () => {} });
}

export default client;
