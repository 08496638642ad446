/**
 * The JSON config file, validated at start with errors that name the field.
 * Every field is optional: the quick path (no file) runs on defaults plus
 * environment keys or keys generated once under the data folder.
 */
import { DEFAULT_LIMITS, type IngestLimits } from '@exhaust/schema';
import { z } from 'zod';
import { parseDuration } from '../activation/durations.js';
import { SCHEDULER_LEASE_MS } from '../activation/scheduler.js';
import { type ChurnConfig, churnConfigSchema } from '../churn/config.js';
import { type IdentityConfig, identityConfigSchema } from '../identity/config.js';
import { IP_POLICIES, type IpPolicy } from '../ingest/ip.js';
import { type RetentionConfig, retentionConfigSchema } from '../retention/config.js';
import {
  DEFAULT_SUBSCRIPTIONS_CONFIG,
  type SubscriptionsConfig,
  subscriptionsConfigSchema,
} from '../subscriptions/topics.js';
import {
  DEFAULT_CONCURRENCY_PER_ENDPOINT,
  DEFAULT_DISABLE_AFTER_MS,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  type WebhooksConfig,
} from '../webhooks/delivery-worker.js';
import { DEFAULT_RETRY_SCHEDULE_MS } from '../webhooks/schedule.js';
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

/** `activation`: limits of computed traits and audiences. */
export const activationConfigSchema = z
  .strictObject({
    /** Longest `within` / `halfLife` a definition may use, as a duration ("400d"). */
    maxWindow: z
      .string()
      .refine((text) => parseDuration(text) !== null, 'a duration such as "400d", "12h", "45s"')
      .default('400d'),
    /**
     * How long a scheduler's claim of due profiles holds before another collector may take
     * them (its claimer died), in milliseconds.
     */
    schedulerLeaseMs: positiveInt.default(SCHEDULER_LEASE_MS),
  })
  .transform(({ maxWindow, schedulerLeaseMs }) => ({
    maxWindowMs: parseDuration(maxWindow) as number,
    schedulerLeaseMs,
  }));

export type ActivationConfig = z.output<typeof activationConfigSchema>;

/**
 * `webhooks`: outgoing delivery. `allowHttp` and `allowPrivateNetworks` exist for
 * self-hosted back offices on a private network and for tests; leave them off otherwise.
 */
export const webhooksConfigSchema = z.strictObject({
  /** Accept http:// endpoint URLs (default: https only). */
  allowHttp: z.boolean().default(false),
  /** Deliver to loopback, private and link-local addresses (default: refused after DNS resolution). */
  allowPrivateNetworks: z.boolean().default(false),
  /** Per-request timeout: connect, answer and the first 1 KB of body. */
  timeoutMs: positiveInt.max(120_000).default(DEFAULT_WEBHOOK_TIMEOUT_MS),
  /** Requests in flight at once per endpoint. */
  concurrencyPerEndpoint: positiveInt.max(64).default(DEFAULT_CONCURRENCY_PER_ENDPOINT),
  /** Delay before each retry after a failed attempt; one more failure after the last marks it failed. */
  retryScheduleMs: z
    .array(z.number().int().nonnegative())
    .max(50)
    .default([...DEFAULT_RETRY_SCHEDULE_MS]),
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterMs: positiveInt.default(DEFAULT_DISABLE_AFTER_MS),
});

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
        maxPendingEvents: positiveInt.optional(),
      })
      .default({}),
    ip: z.enum(IP_POLICIES).default('truncate'),
    identity: identityConfigSchema.default(identityConfigSchema.parse({})),
    server: serverConfigSchema.default(serverConfigSchema.parse({})),
    store: storeConfigSchema.default(storeConfigSchema.parse({})),
    /**
     * The collector's public origin (optionally with a path prefix), as people and mailbox
     * providers reach it: unsubscribe links start with it. Default: the origin of each request.
     */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    subscriptions: subscriptionsConfigSchema.default(DEFAULT_SUBSCRIPTIONS_CONFIG),
    activation: activationConfigSchema.prefault({}),
    webhooks: webhooksConfigSchema.prefault({}),
    churn: churnConfigSchema.prefault({}),
    /** How long events are kept; off by default. */
    retention: retentionConfigSchema.prefault({}),
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
  publicUrl?: string | undefined;
  subscriptions: SubscriptionsConfig;
  activation: ActivationConfig;
  webhooks: WebhooksConfig;
  churn: ChurnConfig;
  /** Event retention (off unless `retention.events` is set). */
  retention: RetentionConfig;
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
