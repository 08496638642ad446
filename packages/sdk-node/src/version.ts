/** Sent as `context.library` on every message. */
export const LIBRARY = { name: '@exhaust/node', version: '0.1.0' };
