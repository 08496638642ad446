/**
 * The shop's runtime configuration, served as `/config.json` by whoever serves
 * the app (the dev script, the e2e server): one build runs against any collector.
 */
export interface ShopConfig {
  /** Write key of the collector source the shop sends to. */
  writeKey: string;
  /** Collector origin, e.g. `http://localhost:8787`. */
  host: string;
  /** The checkout service (examples/node-server); null: the browser tracks `Order Completed` itself. */
  checkoutUrl: string | null;
}

export const CONFIG_PATH = '/config.json';

export async function loadConfig(): Promise<ShopConfig> {
  const response = await fetch(CONFIG_PATH);
  if (!response.ok) throw new Error(`${CONFIG_PATH} answered ${response.status}`);
  return (await response.json()) as ShopConfig;
}
