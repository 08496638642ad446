/**
 * The JSON config file, validated at start with errors that name the field.
 * Every field is optional: the quick path (no file) runs on defaults plus
 * environment keys or keys generated once under the data folder.
 */
import { DEFAULT_LIMITS, type IngestLimits } from '@exhaust/schema';
import { z } from 'zod';
import { type IdentityConfig, identityConfigSchema } from '../identity/config.js';
import { IP_POLICIES, type IpPolicy } from '../ingest/ip.js';
import { type ServerConfig, serverConfigSchema } from './server-config.js';
import { type StoreConfig, storeConfigSchema } from './store-config.js';

/** Shortest key accepted: guessing must stay out of reach. */
export const MIN_KEY_LENGTH = 16;

const keySchema = z.string().min(MIN_KEY_LENGTH, `keys need at least ${MIN_KEY_LENGTH} characters`);
const positiveInt = z.number().int().positive();

/** Longest source name. */
export const MAX_SOURCE_NAME_LENGTH = 100;
export const sourceNameSchema = z.string().min(1).max(MAX_SOURCE_NAME_LENGTH);
/** `*`, or http(s) URLs kept as their origin (`https://shop.example.com/x` -> `https://shop.example.com`). */
export const allowedOriginsSchema = z.array(
  z.union([z.literal('*'), z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin)], {
    error: 'expected "*" or an http(s) origin like https://shop.example.com',
  }),
);

export const sourceConfigSchema = z.strictObject({
  name: sourceNameSchema,
  writeKey: keySchema,
  allowedOrigins: allowedOriginsSchema.default([]),
});

/** A source as the config file declares it (seeded into the store on start). */
export interface SourceConfig {
  name: string;
  writeKey: string;
  /** Browser origins allowed to send with this key; `*` allows any. */
  allowedOrigins: string[];
}

export const configFileSchema = z
  .strictObject({
    sources: z.array(sourceConfigSchema).default([]),
    adminKeys: z.array(keySchema).default([]),
    limits: z
      .strictObject({
        maxBodyBytes: positiveInt.optional(),
        maxBatchEvents: positiveInt.optional(),
        maxEventBytes: positiveInt.optional(),
        maxPropertyDepth: positiveInt.optional(),
        maxStringLength: positiveInt.optional(),
        maxObjectKeys: positiveInt.optional(),
      })
      .default({}),
    ip: z.enum(IP_POLICIES).default('truncate'),
    identity: identityConfigSchema.default(identityConfigSchema.parse({})),
    server: serverConfigSchema.default(serverConfigSchema.parse({})),
    store: storeConfigSchema.default(storeConfigSchema.parse({})),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    const keys = new Set<string>();
    config.sources.forEach((source, i) => {
      if (names.has(source.name))
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'name'], message: 'duplicate source name' });
      if (keys.has(source.writeKey))
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'writeKey'], message: 'duplicate key' });
      names.add(source.name);
      keys.add(source.writeKey);
    });
    config.adminKeys.forEach((key, i) => {
      if (keys.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['adminKeys', i],
          message: 'an admin key must differ from every write key',
        });
    });
  });

export type ConfigFileInput = z.input<typeof configFileSchema>;

/** The collector's resolved configuration. */
export interface CollectorConfig {
  sources: SourceConfig[];
  adminKeys: string[];
  limits: IngestLimits;
  ip: IpPolicy;
  identity: IdentityConfig;
  server: ServerConfig;
  /** PostgreSQL pool size and statement timeout (ignored by SQLite). */
  store: StoreConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates a parsed config file; throws ConfigError listing each bad field by path. */
export function parseConfigFile(input: unknown, origin = 'config'): CollectorConfig {
  const result = configFileSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`invalid ${origin}:\n${lines.join('\n')}`);
  }
  const { limits, ...rest } = result.data;
  return { ...rest, limits: { ...DEFAULT_LIMITS, ...limits } };
}
