/**
 * The `user-agent` of webhook requests: `Exhaust/<collector version>`, read
 * from the collector's package.json (found upward from this module, from
 * sources and from dist alike).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@exhaust/collector';

export function collectorVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** @example webhookUserAgent() // 'Exhaust/0.1.0' */
export function webhookUserAgent(): string {
  return `Exhaust/${collectorVersion()}`;
}
