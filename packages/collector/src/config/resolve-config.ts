/**
 * Builds the running configuration from, in order: the config file, then the
 * environment (`EXHAUST_WRITE_KEYS`, `EXHAUST_ADMIN_KEY`), then options given
 * in code or flags. With no write key or no admin key from any of them, keys
 * are generated once and kept in `<data folder>/keys.json` (mode 0600), never
 * a hard-coded default.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CollectorConfig, ConfigError, type ConfigFileInput, parseConfigFile } from './config-schema.js';

/** Name of the source created for keys that come without a config file. */
export const DEFAULT_SOURCE_NAME = 'default';
/** Bytes of randomness in a generated key (192 bits). */
const GENERATED_KEY_BYTES = 24;
const KEYS_FILE = 'keys.json';
/**
 * Mode of a data folder the collector creates: it holds the database and keys.json. An existing folder
 * is left as the operator made it (the files inside are 0600 whatever it is).
 */
export const DATA_DIR_MODE = 0o700;

export interface ConfigInputs {
  /** A config file path or an already-parsed config object. */
  config?: string | ConfigFileInput | undefined;
  env?: Record<string, string | undefined>;
  writeKeys?: string[] | undefined;
  adminKey?: string | undefined;
  /** Where generated keys are kept (the database's folder). */
  dataDir: string;
}

export interface ResolvedConfig {
  config: CollectorConfig;
  /** Set when keys were generated or read from `keys.json`. */
  keysFile: string | null;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

const generateKey = (prefix: string) => `${prefix}_${randomBytes(GENERATED_KEY_BYTES).toString('base64url')}`;

/** The keys kept in the data folder, created on first use. */
function quickKeys(dataDir: string): { writeKey: string; adminKey: string; file: string } {
  const file = join(dataDir, KEYS_FILE);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { writeKey?: unknown; adminKey?: unknown };
    if (typeof saved.writeKey !== 'string' || typeof saved.adminKey !== 'string') {
      throw new ConfigError(`${file} must hold { "writeKey": string, "adminKey": string }`);
    }
    return { writeKey: saved.writeKey, adminKey: saved.adminKey, file };
  }
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const keys = { writeKey: generateKey('wk'), adminKey: generateKey('ak') };
  // 'wx' fails if another process created it meanwhile, rather than overwriting its keys.
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { ...keys, file };
}

const splitKeys = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);

export function resolveConfig(inputs: ConfigInputs): ResolvedConfig {
  const env = inputs.env ?? {};
  const fileInput = typeof inputs.config === 'string' ? readConfigFile(inputs.config) : (inputs.config ?? {});
  const origin = typeof inputs.config === 'string' ? `config file ${inputs.config}` : 'config';
  const extraWriteKeys = [...splitKeys(env.EXHAUST_WRITE_KEYS), ...(inputs.writeKeys ?? [])];
  const extraAdminKeys = [...splitKeys(env.EXHAUST_ADMIN_KEY), ...(inputs.adminKey ? [inputs.adminKey] : [])];
  const base = fileInput as ConfigFileInput;
  const merged = {
    ...base,
    sources: [
      ...(base.sources ?? []),
      // Keys without a config file cannot say which sites use them, so any origin may send.
      ...extraWriteKeys.map((writeKey, i) => ({
        name: i === 0 && !base.sources?.length ? DEFAULT_SOURCE_NAME : `env-${i + 1}`,
        writeKey,
        allowedOrigins: ['*'],
      })),
    ],
    adminKeys: [...(base.adminKeys ?? []), ...extraAdminKeys],
  };
  let keysFile: string | null = null;
  if (merged.sources.length === 0 || merged.adminKeys.length === 0) {
    const keys = quickKeys(inputs.dataDir);
    keysFile = keys.file;
    if (merged.sources.length === 0) {
      merged.sources.push({ name: DEFAULT_SOURCE_NAME, writeKey: keys.writeKey, allowedOrigins: ['*'] });
    }
    if (merged.adminKeys.length === 0) merged.adminKeys.push(keys.adminKey);
  }
  return { config: parseConfigFile(merged, origin), keysFile };
}
