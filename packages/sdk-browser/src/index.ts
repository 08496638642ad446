/**
 * @exhaust/browser: the Exhaust browser SDK. `createClient` for bundlers; the
 * script-tag build (`dist/exhaust.min.js`, global `exhaust`) for everyone else.
 * Importing this module touches no browser global, so it is safe in SSR.
 */

export type { CaptureMeta, ConsentOptions, DropReason, Plugin } from '@exhaust/core';
export { FLUSH_LOCK_NAME } from './browser-ports.js';
export type { ClientOptions, EventOptions, ExhaustClient, User } from './client.js';
export { CONSENT_EVENT, createClient } from './client.js';
export { IDB_DATABASE, IDB_STORE } from './idb-storage.js';
export { ANONYMOUS_ID_COOKIE, CONSENT_KEY, IDENTITY_KEY, SESSION_KEY } from './persistence.js';
export type { SnippetOptions } from './snippet.js';
export { DEFAULT_BUNDLE_URL, STUB_METHODS, snippet } from './snippet.js';
export { LIBRARY } from './version.js';
