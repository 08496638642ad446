/**
 * The config file's sources and keys as the store's seed, upserted on every
 * start: a config source's id is its name in the file, and only keys' digests
 * and hints leave this module.
 */
import type { CollectorConfig } from '../config/config-schema.js';
import type { AccessSeed, NewKey } from '../store/store.js';
import { keyDigest, keyHint, newKeyId } from './key-format.js';

const keyRecord = (key: string, at: string): NewKey => ({
  id: newKeyId(),
  hash: keyDigest(key),
  hint: keyHint(key),
  createdAt: at,
});

/** @example await store.seedAccess(accessSeedOf(config, new Date())); */
export function accessSeedOf(config: Pick<CollectorConfig, 'sources' | 'adminKeys'>, now: Date): AccessSeed {
  const at = now.toISOString();
  return {
    at,
    sources: config.sources.map((source) => ({
      id: source.name,
      name: source.name,
      allowedOrigins: source.allowedOrigins,
      writeKeys: [keyRecord(source.writeKey, at)],
    })),
    adminKeys: config.adminKeys.map((key) => keyRecord(key, at)),
  };
}
