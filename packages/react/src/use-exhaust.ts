import type { ExhaustClient } from '@exhaust/browser';
import { useHolder } from './context.js';

/**
 * The provider's client: the same object on every render, safe to call from
 * event handlers and effects (calls during a server render do nothing).
 *
 * @example
 * const exhaust = useExhaust();
 * <button onClick={() => exhaust.track('Added To Cart', { sku })}>Add</button>
 */
export function useExhaust(): ExhaustClient {
  return useHolder().client;
}
