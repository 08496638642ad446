/**
 * Keys the identity stores derive from identifiers, the same in every engine:
 * public profile ids, suppression hashes and the hashed form an erased
 * identifier keeps where something that named it survives.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Identifier, identifierKey } from '../identity/identifiers.js';

/** Random bytes in a public profile id: 64 bits, so ids are unguessable and never collide in practice. */
const PUBLIC_ID_BYTES = 8;

/** Random bytes fetched at once for many ids: one `randomBytes` call per id showed in profiles. */
const RANDOM_POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** A new opaque profile id: `p_` and hex, so never a ':' (refs split there) and safe in a URL. */
export function newPublicId(prefix: 'p' | 'del'): string {
  if (poolOffset + PUBLIC_ID_BYTES > pool.length) {
    pool = randomBytes(RANDOM_POOL_BYTES);
    poolOffset = 0;
  }
  const id = pool.toString('hex', poolOffset, poolOffset + PUBLIC_ID_BYTES);
  poolOffset += PUBLIC_ID_BYTES;
  return `${prefix}_${id}`;
}

/** sha-256 of `type:value`, the suppression list's key (the identifier itself is never kept). */
export function suppressionHash(identifier: Identifier): Buffer {
  return createHash('sha256').update(identifierKey(identifier)).digest();
}

/**
 * `type:sha256:<hex>`: how an erased identifier appears where something that
 * named it is kept (a holding profile, a held event's payload). The hash is the
 * suppression list's, so an operator who knows a value can still match it.
 */
export function hashedIdentifierKey(identifier: Identifier): string {
  return `${identifier.type}:sha256:${suppressionHash(identifier).toString('hex')}`;
}
