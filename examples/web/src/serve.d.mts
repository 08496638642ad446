export interface WebExample {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the demo shop for `collectorUrl` (see serve.mjs). */
export function startWebExample(options: {
  port?: number;
  host?: string;
  collectorUrl: string;
  writeKey: string;
}): Promise<WebExample>;
