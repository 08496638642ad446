import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigningKeys, rotateSigningKey, SIGNING_KEYS_FILE } from './signing-keys.js';
import {
  encodeUnsubscribeToken,
  MAX_UNSUBSCRIBE_TOKEN_CHARS,
  type SigningKey,
  verifyUnsubscribeToken,
} from './token.js';

const key = (id: string): SigningKey => ({ id, secret: randomBytes(32) });
const dir = mkdtempSync(join(tmpdir(), 'exhaust-signing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unsubscribe tokens', () => {
  const k1 = key('0a0b0c0d');
  const targets = [
    { channel: 'email', address: 'ada@example.org', topic: null },
    { channel: 'sms', address: '+447700900123', topic: 'offers' },
    { channel: 'push', address: 'fcm:APA91b-token', topic: 'Ünïcode topic' },
  ] as const;

  it.each(targets)('round-trips $channel $topic without the address in clear text', (target) => {
    const token = encodeUnsubscribeToken(target, k1);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain(target.address.slice(0, 5));
    expect(verifyUnsubscribeToken(token, [k1])).toEqual(target);
    // Deterministic: one target always has one link.
    expect(encodeUnsubscribeToken(target, k1)).toBe(token);
  });

  it('refuses every single-bit change, a truncation, another key, another version and junk', () => {
    const token = encodeUnsubscribeToken(targets[0], k1);
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const tampered = Buffer.from(bytes);
        tampered[i]! ^= bit;
        expect(verifyUnsubscribeToken(tampered.toString('base64url'), [k1]), `byte ${i}`).toBeNull();
      }
    }
    expect(verifyUnsubscribeToken(bytes.subarray(0, -1).toString('base64url'), [k1])).toBeNull();
    expect(verifyUnsubscribeToken(token, [key('0a0b0c0d')])).toBeNull();
    expect(verifyUnsubscribeToken(token, [])).toBeNull();
    for (const junk of ['', 'A', '!!!!', 'A'.repeat(MAX_UNSUBSCRIBE_TOKEN_CHARS + 1)]) {
      expect(verifyUnsubscribeToken(junk, [k1])).toBeNull();
    }
  });

  it('keeps old links valid after a rotation; the newest key signs', () => {
    const first = loadSigningKeys(dir);
    expect((statSync(join(dir, SIGNING_KEYS_FILE)).mode & 0o777).toString(8)).toBe('600');
    expect(loadSigningKeys(dir).current.id).toBe(first.current.id);
    const old = encodeUnsubscribeToken(targets[1], first.current);
    const rotated = rotateSigningKey(dir);
    const reloaded = loadSigningKeys(dir);
    expect(reloaded.current.id).not.toBe(first.current.id);
    expect(reloaded.current.id).toBe(rotated.current.id);
    expect(verifyUnsubscribeToken(old, reloaded.all)).toEqual(targets[1]);
    const fresh = encodeUnsubscribeToken(targets[1], reloaded.current);
    expect(fresh).not.toBe(old);
    expect(verifyUnsubscribeToken(fresh, first.all)).toBeNull();
  });
});
