// Types of checkout-service.mjs, so TypeScript callers never compile the Node SDK's sources with the DOM lib.
export interface CheckoutService {
  /** Origin of the service; the shop POSTs to `${url}/checkout`. */
  url: string;
  /** Resolves when every order tracked so far reached the collector (or finally failed). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function startCheckoutService(options: {
  writeKey: string;
  host: string;
  allowedOrigins: string[];
  port?: number;
  hostname?: string;
}): Promise<CheckoutService>;
