#!/usr/bin/env node
// The `exhaust-collector` bin. Committed (not generated) so that `pnpm install`
// can link it on a fresh clone before anything is built; it runs the built CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('exhaust-collector: dist/cli.js is missing; run `pnpm build` first (at the repository root).\n');
  process.exit(1);
}
await import(cli.href);
