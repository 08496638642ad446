/**
 * Identifier extraction, normalization and blocked values (policy sections 1
 * and 2). Pure: the only outside knowledge, whether an alias's `previousId`
 * is a known userId, comes in as a callback.
 */
import { BUILTIN_IDENTIFIER_TYPES, type EventWarning, type Message } from '@exhaust/schema';
import { ALL_IDENTIFIER_TYPES_KEY, type IdentityConfig, priorityOf } from './config.js';

/** One identifier, normalized: `type` is a built-in type or a lower-case custom type. */
export interface Identifier {
  type: string;
  value: string;
}

/** What an event's payload yields: identifiers in walk order, and the warnings of what was refused. */
export interface ExtractedIdentifiers {
  identifiers: Identifier[];
  warnings: EventWarning[];
}

export type NormalizeResult =
  | { ok: true; identifier: Identifier }
  | { ok: false; warning: EventWarning & { code: 'blocked_identifier' | 'invalid_identifier' } };

/** `type:value`, the form of warning details, profile refs and suppression hashes. */
export function identifierKey(identifier: Identifier): string {
  return `${identifier.type}:${identifier.value}`;
}

const LOWER_BUILTINS = new Map<string, string>(BUILTIN_IDENTIFIER_TYPES.map((t) => [t.toLowerCase(), t]));

/**
 * The canonical spelling of a type name from a payload or a ref: built-in
 * types match case-insensitively (`EMAIL` -> `email`), custom types are
 * lower-cased. Null for a name that cannot be a type (empty, or with ':').
 */
export function canonicalType(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.includes(':')) return null;
  const lower = trimmed.toLowerCase();
  return LOWER_BUILTINS.get(lower) ?? lower;
}

interface CompiledRules {
  blockedValues: Map<string, Set<string>>;
  blockedPatterns: Map<string, RegExp[]>;
  email: RegExp;
}

// Regexes are compiled once per config object, not per event.
const compiled = new WeakMap<IdentityConfig, CompiledRules>();

function rulesOf(config: IdentityConfig): CompiledRules {
  let rules = compiled.get(config);
  if (!rules) {
    rules = {
      blockedValues: new Map(Object.entries(config.blockedValues).map(([t, list]) => [t, new Set(list)])),
      blockedPatterns: new Map(
        Object.entries(config.blockedPatterns).map(([t, list]) => [t, list.map((source) => new RegExp(source, 'i'))]),
      ),
      email: new RegExp(config.email.pattern, 'i'),
    };
    compiled.set(config, rules);
  }
  return rules;
}

/** Strips one pair of wrapping quotes (`"undefined"`, `'null'`), as junk from templating often has them. */
function unquote(value: string): string {
  if (value.length >= 2) {
    const first = value[0];
    if ((first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  }
  return value;
}

/** True when the value is on the blocked lists of its type or of every type (case-insensitive). */
export function isBlockedValue(type: string, value: string, config: IdentityConfig): boolean {
  const rules = rulesOf(config);
  const candidate = unquote(value).toLowerCase();
  for (const key of [ALL_IDENTIFIER_TYPES_KEY, type]) {
    if (rules.blockedValues.get(key)?.has(candidate)) return true;
    if (rules.blockedPatterns.get(key)?.some((re) => re.test(candidate))) return true;
  }
  return false;
}

const PHONE_SEPARATORS = /[\s().-]/g;

/**
 * Type-specific normalization of a trimmed value. `valid` is false when the
 * value cannot be of that type; `value` is then the normalization attempted.
 */
function normalizeValue(type: string, trimmed: string, config: IdentityConfig): { value: string; valid: boolean } {
  switch (type) {
    case 'email': {
      const email = trimmed.toLowerCase();
      return { value: email, valid: rulesOf(config).email.test(email) };
    }
    case 'phone': {
      let phone = trimmed.replace(PHONE_SEPARATORS, '');
      if (phone.startsWith('00')) phone = `+${phone.slice(2)}`;
      const digits = phone.startsWith('+') ? phone.length - 1 : phone.length;
      const valid = /^\+?\d+$/.test(phone) && digits >= config.phone.minDigits && digits <= config.phone.maxDigits;
      return { value: phone, valid };
    }
    default:
      // userId, deviceId, anonymousId and custom types are opaque: trim only, case kept.
      return { value: trimmed, valid: true };
  }
}

/** A payload value as a string: strings as they are, numbers and booleans printed; anything else is unusable. */
function asRawString(raw: unknown): string | null {
  if (typeof raw === 'string') return raw;
  if ((typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'boolean') return String(raw);
  return null;
}

function truncated(value: string, config: IdentityConfig): string {
  return value.length > config.maxValueLength ? value.slice(0, config.maxValueLength) : value;
}

/**
 * Normalizes one identifier value of a (canonical) type, refusing blocked and
 * invalid values with the policy's warning. Blocked values are checked on the
 * trimmed value as sent and on the normalized value.
 *
 * @example
 * normalizeIdentifier('email', ' Ada@Example.ORG ', DEFAULT_IDENTITY_CONFIG);
 * // { ok: true, identifier: { type: 'email', value: 'ada@example.org' } }
 */
export function normalizeIdentifier(type: string, raw: unknown, config: IdentityConfig): NormalizeResult {
  const asSent = asRawString(raw);
  if (asSent === null) {
    return { ok: false, warning: { code: 'invalid_identifier', detail: `${type}:${JSON.stringify(raw)}` } };
  }
  const trimmed = asSent.trim();
  if (trimmed.length > config.maxValueLength) {
    return { ok: false, warning: { code: 'invalid_identifier', detail: `${type}:${truncated(trimmed, config)}` } };
  }
  if (isBlockedValue(type, trimmed, config)) {
    return { ok: false, warning: { code: 'blocked_identifier', detail: `${type}:${asSent}` } };
  }
  const { value, valid } = normalizeValue(type, trimmed, config);
  if (!valid) return { ok: false, warning: { code: 'invalid_identifier', detail: `${type}:${value}` } };
  if (value !== trimmed && isBlockedValue(type, value, config)) {
    return { ok: false, warning: { code: 'blocked_identifier', detail: `${type}:${asSent}` } };
  }
  return { ok: true, identifier: { type, value } };
}

function objectField(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** First non-null of the candidates (null and undefined both mean "not sent"). */
function firstPresent(...candidates: unknown[]): unknown {
  return candidates.find((c) => c !== undefined && c !== null);
}

/**
 * Extracts the event's identifiers in walk order: by priority (lower first);
 * custom types alphabetically among equal priorities; otherwise payload order
 * (`userId` before an alias's `previousId`). Duplicates are kept once.
 *
 * `traits.*` is read on `identify` only: a `group` call's traits describe the
 * group, not the person.
 *
 * @param isKnownUserId whether a (trimmed) alias `previousId` is an existing
 *   userId; if not, the previousId is an anonymousId.
 */
export function extractIdentifiers(
  message: Message,
  config: IdentityConfig,
  isKnownUserId: (value: string) => boolean,
): ExtractedIdentifiers {
  const candidates: { type: string; raw: unknown }[] = [];
  const context = message.context;
  const traits = message.type === 'identify' ? message.traits : undefined;
  const contextTraits = context?.traits;

  if (message.userId !== undefined && message.userId !== null) candidates.push({ type: 'userId', raw: message.userId });
  if (message.type === 'alias') {
    const previous = message.previousId.trim();
    candidates.push({ type: isKnownUserId(previous) ? 'userId' : 'anonymousId', raw: message.previousId });
  }
  for (const type of ['email', 'phone']) {
    const raw = firstPresent(objectField(traits, type), objectField(contextTraits, type));
    if (raw !== undefined) candidates.push({ type, raw });
  }
  const warnings: EventWarning[] = [];
  for (const external of context?.externalIds ?? []) {
    const type = canonicalType(external.type);
    if (type === null) {
      warnings.push({ code: 'invalid_identifier', detail: `${external.type}:${external.id}` });
      continue;
    }
    candidates.push({ type, raw: external.id });
  }
  const deviceId = objectField(context?.device, 'id');
  if (deviceId !== undefined && deviceId !== null) candidates.push({ type: 'deviceId', raw: deviceId });
  if (message.anonymousId !== undefined && message.anonymousId !== null) {
    candidates.push({ type: 'anonymousId', raw: message.anonymousId });
  }

  const seen = new Set<string>();
  const accepted: { identifier: Identifier; order: number }[] = [];
  candidates.forEach(({ type, raw }, order) => {
    const result = normalizeIdentifier(type, raw, config);
    if (!result.ok) {
      warnings.push(result.warning);
      return;
    }
    const key = identifierKey(result.identifier);
    if (seen.has(key)) return;
    seen.add(key);
    accepted.push({ identifier: result.identifier, order });
  });
  accepted.sort((a, b) => compareForWalk(a.identifier, a.order, b.identifier, b.order, config));
  return { identifiers: accepted.map((a) => a.identifier), warnings };
}

const BUILTIN_SET = new Set<string>(BUILTIN_IDENTIFIER_TYPES);

function compareForWalk(a: Identifier, aOrder: number, b: Identifier, bOrder: number, config: IdentityConfig): number {
  const byPriority = priorityOf(config, a.type) - priorityOf(config, b.type);
  if (byPriority !== 0) return byPriority;
  if (!BUILTIN_SET.has(a.type) && !BUILTIN_SET.has(b.type) && a.type !== b.type) return a.type < b.type ? -1 : 1;
  return aOrder - bOrder;
}
