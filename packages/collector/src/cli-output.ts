/**
 * What the CLI (and `pnpm start`) print for people rather than log
 * aggregators: the start banner with the keys to use, and fatal errors.
 * Keys appear in full only in the banner of the start that generated them;
 * everywhere else they are masked.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './config/config-schema.js';
import type { GeneratedKeys } from './config/resolve-config.js';
import { maskKey } from './log.js';

export interface BannerInput {
  url: string;
  writeKey: string;
  adminKey: string;
  /** `keys.json`, when the keys in use came from it. */
  keysFile: string | null;
  generatedKeys: GeneratedKeys | null;
  /** The keys saved in `keysFile`, to tell which keys in use came from it; read by `startBanner`. */
  savedKeys?: { writeKey?: string; adminKey?: string } | null;
}

/** A shell word that reads one key out of `keys.json` when pasted, so the key itself never scrolls by. */
const readKeyCommand = (file: string, name: 'writeKey' | 'adminKey') =>
  `$(node -p "require(${JSON.stringify(file).replace(/"/g, "'")}).${name}")`;

/**
 * The banner's text: URL, the keys (in full only when just generated), and a
 * ready-to-paste `export WRITE_KEY=… ADMIN_KEY=…` line for the README's curl
 * examples when the keys are known to this process.
 * @example process.stderr.write(formatStartBanner({ url, writeKey, adminKey, keysFile, generatedKeys }))
 */
export function formatStartBanner(input: BannerInput): string {
  const generated = input.generatedKeys ?? {};
  const exports: string[] = [];
  const line = (label: string, variable: string, name: 'writeKey' | 'adminKey') => {
    const key = input[name];
    if (generated[name] === key) {
      exports.push(`${variable}=${key}`);
      return `  ${label}  ${key}`;
    }
    if (input.keysFile && input.savedKeys?.[name] === key)
      exports.push(`${variable}=${readKeyCommand(input.keysFile, name)}`);
    return `  ${label}  ${maskKey(key)}`;
  };
  const lines = [
    `Exhaust collector  ${input.url}`,
    `  console    ${input.url}/console/ (sign in with the admin key)`,
    line('write key', 'WRITE_KEY', 'writeKey'),
    line('admin key', 'ADMIN_KEY', 'adminKey'),
  ];
  if (input.generatedKeys) {
    lines.push(`  New keys, shown this once; kept in ${input.keysFile} (mode 0600). They are never logged.`);
  } else if (input.keysFile) {
    lines.push(`  (kept in ${input.keysFile})`);
  }
  if (exports.length > 0)
    lines.push('', '  For the curl examples of the README, paste:', `  export ${exports.join(' ')}`);
  return `\n${lines.join('\n')}\n\n`;
}

/** `formatStartBanner` for a running collector, reading `keys.json` to know which keys came from it. */
export function startBanner(collector: Omit<BannerInput, 'savedKeys'>): string {
  let savedKeys: BannerInput['savedKeys'] = null;
  if (collector.keysFile) {
    try {
      savedKeys = JSON.parse(readFileSync(collector.keysFile, 'utf8'));
    } catch {
      // Unreadable now: the banner then just shows masked keys.
    }
  }
  return formatStartBanner({ ...collector, savedKeys });
}

/**
 * How the CLI reports the error that stops it: readable lines on a terminal,
 * one JSON log line otherwise (a service manager or log shipper reads it).
 * @example process.stderr.write(formatFatalError(error, process.stderr.isTTY === true))
 */
export function formatFatalError(error: unknown, isTTY: boolean, now: Date = new Date()): string {
  const message = error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error);
  if (isTTY) return `exhaust-collector: ${message}\n`;
  return `${JSON.stringify({ level: 'error', time: now.toISOString(), msg: message })}\n`;
}
