/**
 * The keys that sign one-click unsubscribe links, kept in the data folder
 * beside `keys.json` as `signing-keys.json` (mode 0600). Generated once on
 * first start; the last key signs new links and every key still verifies, so
 * rotation (`rotateSigningKey`) never breaks a link already in someone's inbox.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigningKeyRecord } from '../store/store.js';
import { SIGNING_KEY_BYTES, SIGNING_KEY_ID_BYTES, type SigningKey } from './token.js';

export const SIGNING_KEYS_FILE = 'signing-keys.json';

export interface SigningKeys {
  /** Signs new links (the newest key). */
  current: SigningKey;
  /** Every key, oldest first: all verify. */
  all: SigningKey[];
}

interface SigningKeysFile {
  unsubscribe: { id: string; secret: string; createdAt: string }[];
}

/** A new random signing key, as the store keeps it. */
export const newSigningKeyRecord = (now: Date = new Date()): SigningKeyRecord => newEntry(now);

/** The signing keys of stored records (oldest first): the newest signs, every one verifies. */
export function signingKeysOf(records: SigningKeyRecord[]): SigningKeys {
  return toKeys({ unsubscribe: records });
}

/** The data folder's signing-keys.json as records (created with one key on first use). */
export function signingKeyFileRecords(dataDir: string, now: Date = new Date()): SigningKeyRecord[] {
  loadSigningKeys(dataDir, now);
  return read(join(dataDir, SIGNING_KEYS_FILE)).unsubscribe;
}

const newEntry = (now: Date) => ({
  id: randomBytes(SIGNING_KEY_ID_BYTES).toString('hex'),
  secret: randomBytes(SIGNING_KEY_BYTES).toString('base64url'),
  createdAt: now.toISOString(),
});

function read(file: string): SigningKeysFile {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<SigningKeysFile>;
  const ok =
    Array.isArray(saved.unsubscribe) &&
    saved.unsubscribe.length > 0 &&
    saved.unsubscribe.every((k) => /^[0-9a-f]{8}$/.test(k?.id) && typeof k.secret === 'string');
  if (!ok) throw new Error(`${file} must hold { "unsubscribe": [{ "id": 8 hex characters, "secret": base64url }] }`);
  return saved as SigningKeysFile;
}

function toKeys(saved: SigningKeysFile): SigningKeys {
  const all = saved.unsubscribe.map((k) => ({ id: k.id, secret: Buffer.from(k.secret, 'base64url') }));
  return { current: all.at(-1) as SigningKey, all };
}

/** Reads the data folder's signing keys, creating the file with one key on first use. */
export function loadSigningKeys(dataDir: string, now: Date = new Date()): SigningKeys {
  const file = join(dataDir, SIGNING_KEYS_FILE);
  if (!existsSync(file)) {
    const created: SigningKeysFile = { unsubscribe: [newEntry(now)] };
    try {
      // 'wx' fails if another process created it meanwhile: its key is then the one to use.
      writeFileSync(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return toKeys(read(file));
}

/** Appends a new signing key (which signs from the next start on); old keys stay and keep verifying. */
export function rotateSigningKey(dataDir: string, now: Date = new Date()): SigningKeys {
  const file = join(dataDir, SIGNING_KEYS_FILE);
  const saved = existsSync(file) ? read(file) : { unsubscribe: [] };
  saved.unsubscribe.push(newEntry(now));
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  return toKeys(saved);
}
