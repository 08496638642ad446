/**
 * Redaction of erased identifiers inside data that erasure keeps (a holding
 * profile's events and trait writes): every string or number that normalizes
 * to an erased identifier becomes its `type:sha256:<hex>` form, wherever it
 * sits in the JSON (userId, anonymousId, traits, externalIds, properties...).
 */
import type { IdentityConfig } from '../identity/config.js';
import { type Identifier, normalizeIdentifier } from '../identity/identifiers.js';
import { hashedIdentifierKey } from './identity-keys.js';

export interface Redaction {
  value: unknown;
  /** How many values were replaced. */
  replaced: number;
}

/**
 * @example
 * redactIdentifiers({ anonymousId: ' a-1 ' }, [{ type: 'anonymousId', value: 'a-1' }], config);
 * // { value: { anonymousId: 'anonymousId:sha256:5d1e...' }, replaced: 1 }
 */
export function redactIdentifiers(value: unknown, erased: readonly Identifier[], config: IdentityConfig): Redaction {
  const byType = new Map<string, Set<string>>();
  for (const { type, value: v } of erased) {
    if (!byType.has(type)) byType.set(type, new Set());
    byType.get(type)!.add(v);
  }
  let replaced = 0;
  const leaf = (raw: string | number): string | number => {
    for (const [type, values] of byType) {
      const normalized = normalizeIdentifier(type, raw, config);
      if (normalized.ok && values.has(normalized.identifier.value)) {
        replaced += 1;
        return hashedIdentifierKey(normalized.identifier);
      }
    }
    return raw;
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string' || (typeof node === 'number' && Number.isFinite(node))) return leaf(node);
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === 'object' && node !== null) {
      // Entries, not spread: a stored `__proto__` key stays plain data.
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        Object.defineProperty(out, key, { value: walk(child), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return node;
  };
  const result = walk(value);
  return { value: result, replaced };
}
