/**
 * Standard Webhooks signatures: HMAC-SHA256 over `${id}.${timestamp}.${body}`
 * with the secret's bytes (`whsec_` + base64), written `v1,<base64>`; one per
 * secret, space-separated, so a receiver holding either secret of a rotation
 * verifies.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** Prefix of a symmetric signing secret (Standard Webhooks). */
export const SECRET_PREFIX = 'whsec_';
/** Random bytes behind a new secret (the spec allows 24 to 64). */
export const SECRET_BYTES = 32;

/** A new secret: `whsec_` plus base64 of 32 random bytes. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * The `webhook-signature` header value.
 * @example sign(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1674087231, '{"test": 2432232314}')
 * // 'v1,AQG81rX2n4rTN1fkXoqILSHO9gAOcwya9dP41rhrQDI='
 */
export function sign(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content).digest('base64')}`)
    .join(' ');
}
