import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newSecret, sign } from './sign.js';

describe('sign', () => {
  it('matches the Standard Webhooks test vector', () => {
    const signature = sign(
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1674087231,
      '{"test": 2432232314}',
    );
    expect(signature).toBe('v1,AQG81rX2n4rTN1fkXoqILSHO9gAOcwya9dP41rhrQDI=');
  });

  it('signs with every secret, space-separated, and each verifies with the official library', () => {
    const [older, newer] = [newSecret(), newSecret()];
    expect(older).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = '{"type":"webhook.test","timestamp":"2026-01-01T00:00:00.000Z","data":{}}';
    const seconds = Math.floor(Date.now() / 1000);
    const header = sign([newer, older], 'msg_1', seconds, body);
    expect(header.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(seconds), 'webhook-signature': header };
    for (const secret of [older, newer]) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(/signature/i);
    expect(() => new Webhook(older).verify(`${body} `, headers)).toThrow(/signature/i);
  });
});
