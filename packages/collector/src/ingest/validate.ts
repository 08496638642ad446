/**
 * Per-message validation: the collector's size limits and numbers JSON cannot
 * store (one walk that names the offending field), then the zod schema of the wire contract, then the spec's
 * "userId or anonymousId" rule.
 *
 * NOTE: what is stored is the JSON.parse output, never zod's copy: zod 4
 * silently drops `__proto__` keys when it copies a loose object, whereas
 * JSON.parse keeps them as plain own data properties (no prototype is touched).
 */
import {
  type IngestLimits,
  type Message,
  type MessageType,
  messageSchema,
  type RejectedMessage,
  type RejectionCode,
} from '@exhaust/schema';

export type Rejection = Omit<RejectedMessage, 'index'>;
export type ValidationResult = { ok: true; message: Message } | { ok: false; rejection: Rejection };

type Path = (string | number)[];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class LimitExceeded {
  constructor(
    readonly code: RejectionCode,
    readonly path: Path,
    readonly message: string,
  ) {}
}

/**
 * Walks the whole message once. Depth counts containers below the message's
 * own fields: `properties` itself is depth 0, `properties.a` (an object) depth 1.
 * `path` is one mutable stack (copied only when a limit is exceeded): this runs
 * for every key of every message, so it allocates nothing on the good path.
 */
function checkLimits(value: unknown, limits: IngestLimits, path: Path, depth: number): void {
  if (typeof value === 'string') {
    if (value.length > limits.maxStringLength) {
      throw new LimitExceeded('string_too_long', [...path], `string longer than ${limits.maxStringLength} characters`);
    }
    return;
  }
  if (typeof value === 'number') {
    // NOTE: JSON.parse reads 1e400 as Infinity, which JSON.stringify would store as null: refuse rather than change data.
    if (!Number.isFinite(value)) {
      throw new LimitExceeded('invalid_number', [...path], 'number outside the range of a double (about ±1.8e308)');
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > limits.maxPropertyDepth) {
    throw new LimitExceeded('too_deep', [...path], `nested deeper than ${limits.maxPropertyDepth} levels`);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      checkLimits(value[i], limits, path, depth + 1);
      path.pop();
    }
    return;
  }
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (++keys > limits.maxObjectKeys) {
      throw new LimitExceeded('too_many_keys', [...path], `object with more than ${limits.maxObjectKeys} keys`);
    }
    path.push(key);
    if (key.length > limits.maxStringLength) {
      throw new LimitExceeded('string_too_long', [...path], `key longer than ${limits.maxStringLength} characters`);
    }
    checkLimits((value as Record<string, unknown>)[key], limits, path, depth + 1);
    path.pop();
  }
}

function messageIdOf(raw: unknown): string | null {
  return isPlainObject(raw) && typeof raw.messageId === 'string' ? raw.messageId : null;
}

function reject(raw: unknown, code: RejectionCode, path: Path, message: string): ValidationResult {
  return { ok: false, rejection: { messageId: messageIdOf(raw), code, path, message } };
}

/**
 * The size rule, on the message as it will be stored (after enrichment), so
 * the one serialization serves both the check and the store.
 */
export function checkEventSize(payload: string, limits: IngestLimits): Omit<Rejection, 'messageId'> | null {
  const bytes = Buffer.byteLength(payload);
  if (bytes <= limits.maxEventBytes) return null;
  return { code: 'event_too_large', path: [], message: `message is ${bytes} bytes, more than ${limits.maxEventBytes}` };
}

/**
 * Validates one message as parsed from JSON (all rules but the size, see `checkEventSize`). `forcedType` is the type of a
 * single-message endpoint (`/v1/track`...), which wins over the body's.
 */
export function validateMessage(raw: unknown, limits: IngestLimits, forcedType?: MessageType): ValidationResult {
  if (!isPlainObject(raw)) return reject(raw, 'invalid_field', [], 'a message must be a JSON object');
  if (forcedType) raw.type = forcedType;
  try {
    // Depth is measured from the message's own fields: the message itself is depth -1.
    checkLimits(raw, limits, [], -1);
  } catch (error) {
    if (error instanceof LimitExceeded) return reject(raw, error.code, error.path, error.message);
    throw error;
  }
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject(raw, 'invalid_field', (issue?.path ?? []) as Path, issue?.message ?? 'invalid message');
  }
  if (!raw.userId && !raw.anonymousId) {
    return reject(raw, 'missing_identity', ['userId'], 'a message needs userId or anonymousId');
  }
  return { ok: true, message: raw as unknown as Message };
}
