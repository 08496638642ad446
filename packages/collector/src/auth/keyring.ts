/**
 * Who a presented key is. Keys are compared as sha-256 digests with
 * `timingSafeEqual`, against every known key without stopping early, so the
 * answer's timing says nothing about how much of a key matched or which key.
 */
import { hash, timingSafeEqual } from 'node:crypto';

export interface SourceConfig {
  name: string;
  writeKey: string;
  /** Browser origins allowed to send with this key; `*` allows any. */
  allowedOrigins: string[];
}

export type KeyOwner = { kind: 'source'; source: SourceConfig } | { kind: 'admin' };

export interface Keyring {
  identify(key: string): KeyOwner | null;
  /** True when some source allows this browser origin (used for preflights, which carry no key). */
  anySourceAllows(origin: string): boolean;
}

// One-shot `hash` (Node >= 20.12): a createHash object per request showed in the ingest profile.
const digest = (key: string): Buffer => hash('sha256', key, 'buffer');

export function originAllowed(source: SourceConfig, origin: string): boolean {
  return source.allowedOrigins.includes('*') || source.allowedOrigins.includes(origin);
}

export function createKeyring(sources: SourceConfig[], adminKeys: string[]): Keyring {
  const entries: { hash: Buffer; owner: KeyOwner }[] = [
    ...sources.map((source) => ({ hash: digest(source.writeKey), owner: { kind: 'source', source } as KeyOwner })),
    ...adminKeys.map((key) => ({ hash: digest(key), owner: { kind: 'admin' } as KeyOwner })),
  ];
  return {
    identify(key) {
      const presented = digest(key);
      let found: KeyOwner | null = null;
      for (const entry of entries) {
        if (timingSafeEqual(entry.hash, presented) && !found) found = entry.owner;
      }
      return found;
    },
    anySourceAllows: (origin) => sources.some((source) => originAllowed(source, origin)),
  };
}

/** The key of `Authorization: Basic base64(key:)` (Segment's way) or `Bearer key`. */
export function credentialsOf(header: string | undefined): { scheme: 'basic' | 'bearer'; key: string } | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && value) return { scheme, key: value };
  if (scheme === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const key = colon === -1 ? decoded : decoded.slice(0, colon);
    return key ? { scheme, key } : null;
  }
  return null;
}
