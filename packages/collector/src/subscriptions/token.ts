/**
 * One-click unsubscribe tokens: what an unsubscribe URL carries. Opaque and
 * authenticated, never the address in clear text, no expiry.
 *
 * Layout (version 1), base64url: `version (1 byte) | key id (4) | tag (16) | ciphertext`.
 * The plaintext is `channel index (1) | topic length (1) | topic (UTF-8) | address (UTF-8)`.
 * The tag is HMAC-SHA256 over `version | key id | plaintext` (truncated to 128
 * bits); the ciphertext is AES-256-CTR of the plaintext with the tag as IV
 * (the SIV construction: deterministic, so one address and topic always get
 * the same link, and a forged token fails the tag). Both keys are derived from
 * the signing key with HKDF. The key id names the signing key, so rotating to
 * a new key keeps every old link working as long as the old key is kept.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { SUBSCRIPTION_CHANNELS, type SubscriptionChannel } from '@exhaust/schema';

export const UNSUBSCRIBE_TOKEN_VERSION = 1;
/** Bytes of the key id in a token (and of the id of a signing key, as 8 hex characters). */
export const SIGNING_KEY_ID_BYTES = 4;
/** Bytes of the signing key itself. */
export const SIGNING_KEY_BYTES = 32;
/** Bytes of the HMAC-SHA256 kept as the tag: 128 bits make forging out of reach. */
export const UNSUBSCRIBE_TAG_BYTES = 16;
/** Longest token accepted, in characters: anything longer is refused before any crypto. */
export const MAX_UNSUBSCRIBE_TOKEN_CHARS = 1024;
/** Longest topic a token carries, in UTF-8 bytes (its length is one byte). */
const MAX_TOPIC_BYTES = 255;
const HEADER_BYTES = 1 + SIGNING_KEY_ID_BYTES;

export interface SigningKey {
  /** 8 hex characters. */
  id: string;
  secret: Buffer;
}

export interface UnsubscribeTarget {
  channel: SubscriptionChannel;
  address: string;
  topic: string | null;
}

interface DerivedKey {
  id: Buffer;
  mac: Buffer;
  enc: Buffer;
}

const derived = new WeakMap<SigningKey, DerivedKey>();

function derive(key: SigningKey): DerivedKey {
  let keys = derived.get(key);
  if (!keys) {
    const expand = (info: string) => Buffer.from(hkdfSync('sha256', key.secret, '', info, 32));
    keys = {
      id: Buffer.from(key.id, 'hex'),
      mac: expand('exhaust unsubscribe token v1 mac'),
      enc: expand('exhaust unsubscribe token v1 enc'),
    };
    if (keys.id.length !== SIGNING_KEY_ID_BYTES) throw new Error(`signing key id ${key.id} is not 8 hex characters`);
    derived.set(key, keys);
  }
  return keys;
}

const tagOf = (keys: DerivedKey, header: Buffer, plaintext: Buffer) =>
  createHmac('sha256', keys.mac).update(header).update(plaintext).digest().subarray(0, UNSUBSCRIBE_TAG_BYTES);

const ctr = (keys: DerivedKey, iv: Buffer, input: Buffer, decrypt: boolean) => {
  const cipher = decrypt ? createDecipheriv('aes-256-ctr', keys.enc, iv) : createCipheriv('aes-256-ctr', keys.enc, iv);
  return Buffer.concat([cipher.update(input), cipher.final()]);
};

/**
 * @example encodeUnsubscribeToken({ channel: 'email', address: 'ada@example.org', topic: null }, key) // 'AQ...'
 */
export function encodeUnsubscribeToken(target: UnsubscribeTarget, key: SigningKey): string {
  const keys = derive(key);
  const topic = Buffer.from(target.topic ?? '', 'utf8');
  if (topic.length > MAX_TOPIC_BYTES) throw new Error(`a topic in a link is at most ${MAX_TOPIC_BYTES} bytes`);
  const plaintext = Buffer.concat([
    Buffer.from([SUBSCRIPTION_CHANNELS.indexOf(target.channel), topic.length]),
    topic,
    Buffer.from(target.address, 'utf8'),
  ]);
  const header = Buffer.concat([Buffer.from([UNSUBSCRIBE_TOKEN_VERSION]), keys.id]);
  const tag = tagOf(keys, header, plaintext);
  return Buffer.concat([header, tag, ctr(keys, tag, plaintext, false)]).toString('base64url');
}

/**
 * The target of a genuine token signed by one of `keys`; null for anything
 * else (malformed, unknown version or key, tampered).
 */
export function verifyUnsubscribeToken(token: string, keys: readonly SigningKey[]): UnsubscribeTarget | null {
  if (token.length > MAX_UNSUBSCRIBE_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < HEADER_BYTES + UNSUBSCRIBE_TAG_BYTES + 2 || bytes[0] !== UNSUBSCRIBE_TOKEN_VERSION) return null;
  const header = bytes.subarray(0, HEADER_BYTES);
  const keyId = header.subarray(1).toString('hex');
  const key = keys.find((candidate) => candidate.id === keyId);
  if (!key) return null;
  const derivedKeys = derive(key);
  const tag = bytes.subarray(HEADER_BYTES, HEADER_BYTES + UNSUBSCRIBE_TAG_BYTES);
  const plaintext = ctr(derivedKeys, tag, bytes.subarray(HEADER_BYTES + UNSUBSCRIBE_TAG_BYTES), true);
  if (!timingSafeEqual(tag, tagOf(derivedKeys, header, plaintext))) return null;
  const channel = SUBSCRIPTION_CHANNELS[plaintext[0] as number];
  const topicLength = plaintext[1] as number;
  if (!channel || plaintext.length < 2 + topicLength + 1) return null;
  const topic = plaintext.subarray(2, 2 + topicLength).toString('utf8');
  return { channel, address: plaintext.subarray(2 + topicLength).toString('utf8'), topic: topic === '' ? null : topic };
}
