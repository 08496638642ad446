/**
 * Profile refs as the API takes them: a profile id, or `type:value` split at
 * the first ':' (profile ids never contain one). The identifier's value is
 * normalized exactly like ingest does, so `email:Ada@Example.org` finds
 * `ada@example.org`.
 */
import type { ProfileRef } from '../store/store.js';
import type { IdentityConfig } from './config.js';
import { canonicalType, type Identifier, normalizeIdentifier } from './identifiers.js';

export type ParsedProfileRef = { id: string } | { identifier: Identifier } | { invalid: true };

/**
 * @example
 * parseProfileRef('userId:u-1', config); // { identifier: { type: 'userId', value: 'u-1' } }
 * parseProfileRef('p_3f9a', config);     // { id: 'p_3f9a' }
 */
export function parseProfileRef(ref: string, config: IdentityConfig): ParsedProfileRef {
  const colon = ref.indexOf(':');
  if (colon < 0) return { id: ref };
  return parseIdentifierRef(ref.slice(0, colon), ref.slice(colon + 1), config);
}

/** A `{ type, value }` ref, normalized; `invalid` when it can never match (blocked, malformed). */
export function parseIdentifierRef(type: string, value: string, config: IdentityConfig): ParsedProfileRef {
  const canonical = canonicalType(type);
  if (canonical === null) return { invalid: true };
  const result = normalizeIdentifier(canonical, value, config);
  return result.ok ? { identifier: result.identifier } : { invalid: true };
}

/**
 * A ref string from the API (a path segment or a JSON field) as the Store's
 * `ProfileRef`. Normalization happens in the store, like ingest.
 * @example toProfileRef('email:Ada@x.org'); // { type: 'email', value: 'Ada@x.org' }
 */
export function toProfileRef(ref: string): ProfileRef {
  const colon = ref.indexOf(':');
  return colon < 0 ? { id: ref } : { type: ref.slice(0, colon), value: ref.slice(colon + 1) };
}
