/** Sent as `context.library` on every message. */
export const LIBRARY = { name: '@exhaust/browser', version: '0.1.0' };
