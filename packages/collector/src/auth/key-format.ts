/**
 * What keys look like: generated keys carry a prefix saying what they open
 * (`wk_` write, `ak_` admin, `sk_` sender) and 192 random bits. The store never sees a key,
 * only its sha-256 (hex) and a masked hint for listings.
 */
import { hash, randomBytes } from 'node:crypto';

export type KeyKind = 'write' | 'admin' | 'sender';

/** Prefix of generated keys, by kind. Configured keys of any form keep working. */
export const KEY_PREFIXES: Record<KeyKind, string> = { write: 'wk_', admin: 'ak_', sender: 'sk_' };
/** Bytes of randomness in a generated key (192 bits): guessing one is out of reach, so is a hash collision. */
export const GENERATED_KEY_BYTES = 24;
/** Characters of a key's end shown in its hint. */
export const KEY_HINT_CHARS = 4;
/** Bytes of randomness in a key id or source id (public names, not secrets). */
const ID_BYTES = 9;

/** A new key, e.g. `wk_3q2Vb...` (51 characters). */
export function generateKey(kind: KeyKind): string {
  return `${KEY_PREFIXES[kind]}${randomBytes(GENERATED_KEY_BYTES).toString('base64url')}`;
}

/**
 * The hint listed for a key: its recognised prefix (if any) and last 4
 * characters, `wk_…9f3c`. A configured key without a prefix shows only `…9f3c`:
 * its first characters could be part of what keeps it secret.
 */
export function keyHint(key: string): string {
  const prefix = Object.values(KEY_PREFIXES).find((p) => key.startsWith(p)) ?? '';
  return `${prefix}…${key.slice(-KEY_HINT_CHARS)}`;
}

// One-shot `hash` (Node >= 20.12): a createHash object per request showed in the ingest profile.
/** The sha-256 of a key, hex: what the store keeps and the keyring looks up. */
export const keyDigest = (key: string): string => hash('sha256', key, 'hex');

/** `key_...`, naming a key in the API. */
export const newKeyId = (): string => `key_${randomBytes(ID_BYTES).toString('base64url')}`;
/** `src_...`, the id of a source created through the API. */
export const newSourceId = (): string => `src_${randomBytes(ID_BYTES).toString('base64url')}`;
