/**
 * Identity configuration: every number and list of the identity policy
 * ("default-v1", see the README section `identity`) is an operator setting.
 * Operators give a partial object in the config file's `identity`; the schema
 * fills in the defaults and EXTENDS the default blocked values (it never
 * replaces them), so a config can only make linking stricter there.
 */
import { BUILTIN_IDENTIFIER_TYPES, type BuiltinIdentifierType } from '@exhaust/schema';
import { z } from 'zod';

/** Name of the policy whose defaults this module carries. */
export const IDENTITY_POLICY_NAME = 'default-v1';

/** Longest identifier value (after trimming) before it is refused with `invalid_identifier`. */
export const MAX_IDENTIFIER_VALUE_LENGTH = 255;
/** Default number of identifiers of one custom type a profile may hold. */
export const DEFAULT_CUSTOM_IDENTIFIER_LIMIT = 5;
/** Default priority of custom (`context.externalIds`) types; ties sort alphabetically. */
export const DEFAULT_CUSTOM_IDENTIFIER_PRIORITY = 4;
/** Default cap on how many profiles may be merged into one by events. */
export const DEFAULT_MAX_MERGES_PER_PROFILE = 100;

/** Key under `blockedValues` / `blockedPatterns` that applies to every identifier type. */
export const ALL_IDENTIFIER_TYPES_KEY = 'all';

export const CONTESTED_MODES = ['quarantine', 'first-owner'] as const;
export type ContestedMode = (typeof CONTESTED_MODES)[number];

const DEFAULT_LIMITS: Record<BuiltinIdentifierType, number> = {
  userId: 1,
  email: 5,
  phone: 5,
  deviceId: 5,
  anonymousId: 50,
};

const DEFAULT_PRIORITIES: Record<BuiltinIdentifierType, number> = {
  userId: 1,
  email: 2,
  phone: 3,
  deviceId: 5,
  anonymousId: 6,
};

/** Values that are never an identifier of anyone, whatever the type (compared case-insensitively). */
const DEFAULT_BLOCKED_ALL = [
  'null',
  'undefined',
  'none',
  'nan',
  'nil',
  'anonymous',
  'guest',
  'unknown',
  'not_authenticated',
  'id',
  'distinct_id',
  'distinctid',
  'user_id',
  'userid',
  'email',
  'true',
  'false',
  '[object object]',
  '-1',
  'n/a',
  'na',
  'test',
  'void',
  'abc123',
];

const DEFAULT_BLOCKED_EMAILS = [
  'test@test.com',
  'test@example.com',
  'example@example.com',
  'email@example.com',
  'user@example.com',
  'a@a.com',
  'noreply@example.com',
];

/** Empty, `0`, `000`, the zero UUID. */
const DEFAULT_BLOCKED_PATTERN_ALL = '^[0-]*$';
const DEFAULT_BLOCKED_PATTERN_EMAIL = '^no-?reply@';
/** A phone number that repeats one digit (`+1111111`, `0000000`). */
const DEFAULT_BLOCKED_PATTERN_PHONE = '^\\+?(\\d)\\1+$';

/** "Looks like x@y.z": no spaces, one @, a dot in the domain. */
const DEFAULT_EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';

const LOWER_BUILTINS = new Map(BUILTIN_IDENTIFIER_TYPES.map((t) => [t.toLowerCase(), t]));

/**
 * An identifier type name as configuration spells it: a built-in type exactly
 * (`userId`), or a custom type in lower case. ':' is refused because a profile
 * ref is split at its first ':'.
 */
const typeNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^:\s]+$/, 'identifier type names cannot contain ":" or spaces')
  .superRefine((name, ctx) => {
    const builtin = LOWER_BUILTINS.get(name.toLowerCase());
    if (builtin && builtin !== name) {
      ctx.addIssue({ code: 'custom', message: `write the built-in type as "${builtin}"` });
    } else if (!builtin && name !== name.toLowerCase()) {
      ctx.addIssue({ code: 'custom', message: 'custom identifier types are lower case' });
    }
  });

const typeOrAllSchema = z.union([z.literal(ALL_IDENTIFIER_TYPES_KEY), typeNameSchema]);

const regexSourceSchema = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, 'i');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

const positiveIntSchema = z.int().min(1);

const identityConfigInputSchema = z.strictObject({
  /** Most identifiers of a type one profile may hold; a limit of 1 makes the type unique (like `userId`). */
  limits: z.record(typeNameSchema, positiveIntSchema).optional(),
  /** Lower walks first. Custom types without an entry get `customPriority`. */
  priorities: z.record(typeNameSchema, z.int().min(0)).optional(),
  customLimit: positiveIntSchema.optional(),
  customPriority: z.int().min(0).optional(),
  /** Extra blocked values per type (or `all`), compared case-insensitively; added to the defaults. */
  blockedValues: z.record(typeOrAllSchema, z.array(z.string().max(MAX_IDENTIFIER_VALUE_LENGTH))).optional(),
  /** Extra blocked regular expressions per type (or `all`), matched case-insensitively; added to the defaults. */
  blockedPatterns: z.record(typeOrAllSchema, z.array(regexSourceSchema)).optional(),
  email: z.strictObject({ pattern: regexSourceSchema.optional() }).optional(),
  phone: z
    .strictObject({ minDigits: positiveIntSchema.optional(), maxDigits: positiveIntSchema.optional() })
    .refine((p) => (p.minDigits ?? 7) <= (p.maxDigits ?? 15), {
      message: 'minDigits must not exceed maxDigits',
      path: ['minDigits'],
    })
    .optional(),
  maxValueLength: positiveIntSchema.max(4096).optional(),
  contestedMode: z.enum(CONTESTED_MODES).optional(),
  maxMergesPerProfile: z.int().min(0).optional(),
});

/**
 * The config file's `identity` object (all fields optional). Parsing yields a
 * complete {@link IdentityConfig}: limits and priorities merged over the
 * defaults, blocked values and patterns appended to the defaults.
 *
 * @example
 * identityConfigSchema.parse({
 *   limits: { anonymousId: 20 },
 *   blockedValues: { deviceId: ['kiosk-7'] },
 *   contestedMode: 'first-owner',
 * });
 */
export const identityConfigSchema = identityConfigInputSchema.transform((input) => resolveIdentityConfig(input));

/** The resolved identity configuration the identity code runs with. */
export interface IdentityConfig {
  limits: Record<string, number>;
  priorities: Record<string, number>;
  customLimit: number;
  customPriority: number;
  /** Per type (or `all`), lower-cased; defaults first. */
  blockedValues: Record<string, string[]>;
  /** Per type (or `all`), regex sources matched with the `i` flag; defaults first. */
  blockedPatterns: Record<string, string[]>;
  email: { pattern: string };
  phone: { minDigits: number; maxDigits: number };
  maxValueLength: number;
  contestedMode: ContestedMode;
  maxMergesPerProfile: number;
}

/** What the config file may hold under `identity`. */
export type IdentityConfigInput = z.input<typeof identityConfigSchema>;

function appendPerType(
  defaults: Record<string, string[]>,
  extra: Record<string, string[]> | undefined,
  lower: boolean,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(defaults)) out[key] = [...list];
  for (const [key, list] of Object.entries(extra ?? {})) {
    out[key] = [...(out[key] ?? []), ...list.map((v) => (lower ? v.trim().toLowerCase() : v))];
  }
  return out;
}

function resolveIdentityConfig(input: z.output<typeof identityConfigInputSchema>): IdentityConfig {
  return {
    limits: { ...DEFAULT_LIMITS, ...input.limits },
    priorities: { ...DEFAULT_PRIORITIES, ...input.priorities },
    customLimit: input.customLimit ?? DEFAULT_CUSTOM_IDENTIFIER_LIMIT,
    customPriority: input.customPriority ?? DEFAULT_CUSTOM_IDENTIFIER_PRIORITY,
    blockedValues: appendPerType(
      { [ALL_IDENTIFIER_TYPES_KEY]: DEFAULT_BLOCKED_ALL, email: DEFAULT_BLOCKED_EMAILS },
      input.blockedValues,
      true,
    ),
    blockedPatterns: appendPerType(
      {
        [ALL_IDENTIFIER_TYPES_KEY]: [DEFAULT_BLOCKED_PATTERN_ALL],
        email: [DEFAULT_BLOCKED_PATTERN_EMAIL],
        phone: [DEFAULT_BLOCKED_PATTERN_PHONE],
      },
      input.blockedPatterns,
      false,
    ),
    email: { pattern: input.email?.pattern ?? DEFAULT_EMAIL_PATTERN },
    phone: { minDigits: input.phone?.minDigits ?? 7, maxDigits: input.phone?.maxDigits ?? 15 },
    maxValueLength: input.maxValueLength ?? MAX_IDENTIFIER_VALUE_LENGTH,
    contestedMode: input.contestedMode ?? 'quarantine',
    maxMergesPerProfile: input.maxMergesPerProfile ?? DEFAULT_MAX_MERGES_PER_PROFILE,
  };
}

/** The policy's defaults ("default-v1"), fully resolved. */
export const DEFAULT_IDENTITY_CONFIG: IdentityConfig = identityConfigSchema.parse({});

/** Limit of a type: its own entry, else the custom default. A limit of 1 makes a type unique. */
export function limitOf(config: IdentityConfig, type: string): number {
  return config.limits[type] ?? config.customLimit;
}

/** Priority of a type: its own entry, else the custom default (lower walks first). */
export function priorityOf(config: IdentityConfig, type: string): number {
  return config.priorities[type] ?? config.customPriority;
}
