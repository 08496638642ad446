/**
 * @exhaust/react: React bindings for the Exhaust browser SDK. One provider,
 * `useExhaust()` for the client, `usePageViews()` for route changes (React
 * Router or plain history), `useConsent()` for a cookie banner. Rendering on
 * the server touches no browser global and creates no client.
 */

export type { ClientOptions, ExhaustClient } from '@exhaust/browser';
export type { ExhaustProviderProps } from './provider.js';
export { ExhaustProvider } from './provider.js';
export type { ConsentPreferences, ConsentState } from './use-consent.js';
export { useConsent } from './use-consent.js';
export { useExhaust } from './use-exhaust.js';
export type { PageLocation, PageViewOptions } from './use-page-views.js';
export { usePageViews } from './use-page-views.js';
