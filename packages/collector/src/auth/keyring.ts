/**
 * Who a presented key is. The keyring holds every active key's sha-256 in
 * memory, so ingest never waits on the store for a known key; a store-backed
 * keyring re-reads one "keys version" row every `KEYRING_REFRESH_MS` and
 * reloads only when it moved, so a key revoked on any collector sharing the
 * database stops working everywhere within that interval.
 *
 * NOTE: keys are found by a Map lookup of their digest, not compared one by one
 * with `timingSafeEqual`. What a timing difference could leak is how much of a
 * stored *digest* a guess's digest matched; steering a guess's digest towards a
 * stored one takes preimages of sha-256, and learning a digest does not reveal
 * its key. Generated keys carry 192 random bits and configured keys at least 16
 * characters, so nothing exploitable is left to leak.
 */
import type { SourceConfig } from '../config/config-schema.js';
import type { AccessSnapshot, Store } from '../store/store.js';
import { keyDigest } from './key-format.js';

export type { SourceConfig } from '../config/config-schema.js';

/** How often a store-backed keyring checks the store's keys version (revocation reaches every collector within it). */
export const KEYRING_REFRESH_MS = 500;

/** A source as the ingest routes need it. */
export interface KeyringSource {
  /** Recorded as each event's `source`: the config name for config sources, `src_...` otherwise. */
  id: string;
  name: string;
  /** Browser origins allowed to send with this key; `*` allows any. */
  allowedOrigins: string[];
  enabled: boolean;
}

/** Who holds a key: a source (write key), an admin, or a sender (may only check subscriptions and report). */
export type KeyOwner = { kind: 'source'; source: KeyringSource } | { kind: 'admin' } | { kind: 'sender' };

export interface Keyring {
  identify(key: string): KeyOwner | null;
  /** True when some enabled source allows this browser origin (used for preflights, which carry no key). */
  anySourceAllows(origin: string): boolean;
  /** Reloads now when the store changed (after this collector changed a key, say). */
  refresh(): Promise<void>;
  /** Stops polling the store. */
  close(): void;
}

export function originAllowed(source: Pick<KeyringSource, 'allowedOrigins'>, origin: string): boolean {
  return source.allowedOrigins.includes('*') || source.allowedOrigins.includes(origin);
}

interface KeyTable {
  owners: Map<string, KeyOwner>;
  sources: KeyringSource[];
}

function tableOf(snapshot: Omit<AccessSnapshot, 'version'>): KeyTable {
  const byId = new Map(snapshot.sources.map((source) => [source.id, source]));
  const owners = new Map<string, KeyOwner>();
  for (const { hash, owner } of snapshot.keys) {
    if (owner.kind === 'admin' || owner.kind === 'sender') owners.set(hash, { kind: owner.kind });
    else {
      const source = byId.get(owner.sourceId);
      if (source) owners.set(hash, { kind: 'source', source });
    }
  }
  return { owners, sources: snapshot.sources };
}

function lookup(table: () => KeyTable): Pick<Keyring, 'identify' | 'anySourceAllows'> {
  return {
    identify: (key) => table().owners.get(keyDigest(key)) ?? null,
    anySourceAllows: (origin) => table().sources.some((source) => source.enabled && originAllowed(source, origin)),
  };
}

/**
 * A fixed keyring from configuration, for tests and embedding without the
 * admin API (it never changes). A source's id is its name.
 * @example createKeyring([{ name: 'web', writeKey, allowedOrigins: ['*'] }], [adminKey])
 */
export function createKeyring(sources: SourceConfig[], adminKeys: string[]): Keyring {
  const table = tableOf({
    sources: sources.map((s) => ({ id: s.name, name: s.name, allowedOrigins: s.allowedOrigins, enabled: true })),
    keys: [
      ...sources.map((s) => ({ hash: keyDigest(s.writeKey), owner: { kind: 'write', sourceId: s.name } as const })),
      ...adminKeys.map((key) => ({ hash: keyDigest(key), owner: { kind: 'admin' } as const })),
    ],
  });
  return { ...lookup(() => table), refresh: async () => {}, close: () => {} };
}

export interface StoreKeyringOptions {
  store: Store;
  /** Default `KEYRING_REFRESH_MS`. */
  refreshMs?: number;
  /** Told when a periodic refresh fails (the keyring keeps its last table meanwhile). */
  onError?: (error: unknown) => void;
}

/**
 * A keyring over the store's sources and keys, loaded before it resolves.
 * @example const keyring = await createStoreKeyring({ store }); ... keyring.close();
 */
export async function createStoreKeyring(options: StoreKeyringOptions): Promise<Keyring> {
  const { store } = options;
  const first = await store.getAccessSnapshot(null);
  if (!first) throw new Error('the store answered no access snapshot for an unknown version');
  let version = first.version;
  let table = tableOf(first);
  let inFlight: Promise<void> | null = null;

  const load = async () => {
    const snapshot = await store.getAccessSnapshot(version);
    if (!snapshot) return;
    version = snapshot.version;
    table = tableOf(snapshot);
  };
  // Concurrent callers share one read; a caller that must see its own write waits for a fresh one.
  const refresh = async (): Promise<void> => {
    while (inFlight) await inFlight.catch(() => {});
    inFlight = load().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    refresh().catch((error) => options.onError?.(error));
  }, options.refreshMs ?? KEYRING_REFRESH_MS);
  // Polling must not keep a process alive that is otherwise done.
  timer.unref();

  return { ...lookup(() => table), refresh, close: () => clearInterval(timer) };
}

/**
 * The key of `Authorization: Basic base64(key:)` (Segment's way) or `Bearer key`,
 * with the scheme it came in: each route takes exactly one scheme.
 */
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
