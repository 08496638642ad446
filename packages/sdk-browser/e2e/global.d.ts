import type { ExhaustClient } from '../src/client.js';

declare global {
  interface Window {
    /** The script-tag global (the snippet's stub array until the bundle has loaded). */
    exhaust: ExhaustClient;
  }
}
