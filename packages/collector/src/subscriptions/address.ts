/**
 * Addresses are normalized exactly as identity normalizes its identifiers
 * (lower-cased emails, E.164-style phones, blocked values refused), so an
 * opt-out recorded from an import matches the address an SDK sends later.
 */
import type { SubscriptionChannel } from '@exhaust/schema';
import type { IdentityConfig } from '../identity/config.js';
import { normalizeIdentifier } from '../identity/identifiers.js';
import { ADDRESS_KIND } from './model.js';

/** Longest push token kept, in characters. */
export const MAX_PUSH_TOKEN_LENGTH = 4096;

export type AddressResult = { ok: true; address: string } | { ok: false; message: string };

/**
 * @example normalizeAddress('email', ' Ada@Example.ORG ', config) // { ok: true, address: 'ada@example.org' }
 */
export function normalizeAddress(channel: SubscriptionChannel, raw: unknown, config: IdentityConfig): AddressResult {
  const kind = ADDRESS_KIND[channel];
  if (kind === 'push') {
    const token = typeof raw === 'string' ? raw.trim() : '';
    if (token === '' || token.length > MAX_PUSH_TOKEN_LENGTH) {
      return { ok: false, message: `a push token is 1 to ${MAX_PUSH_TOKEN_LENGTH} characters` };
    }
    return { ok: true, address: token };
  }
  const result = normalizeIdentifier(kind, raw, config);
  if (result.ok) return { ok: true, address: result.identifier.value };
  const what = result.warning.code === 'blocked_identifier' ? 'is a blocked value' : `is not a valid ${kind}`;
  return { ok: false, message: `${JSON.stringify(raw)} ${what}` };
}

/**
 * The address with most of it hidden, for a page anyone holding the link can
 * open: `a***@example.org`, `+*********89`, `abcd***`.
 */
export function maskAddress(channel: SubscriptionChannel, address: string): string {
  const kind = ADDRESS_KIND[channel];
  if (kind === 'email') {
    const at = address.lastIndexOf('@');
    return `${address.slice(0, Math.min(1, at))}***${address.slice(at)}`;
  }
  if (kind === 'phone') {
    const plus = address.startsWith('+') ? '+' : '';
    const digits = address.slice(plus.length);
    const keep = digits.length > 6 ? 2 : 0;
    return `${plus}${'*'.repeat(digits.length - keep)}${digits.slice(digits.length - keep)}`;
  }
  return `${address.slice(0, 4)}***`;
}
