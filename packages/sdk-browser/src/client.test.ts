import { ConfigError } from '@exhaust/core';
import { describe, expect, it } from 'vitest';
import { createClient } from './index.js';

// Vitest runs this in Node: no window, as during server-side rendering.
describe('createClient without a browser (SSR)', () => {
  it('throws ConfigError on missing writeKey or host, at construction', () => {
    expect(() => createClient({ writeKey: '', host: 'https://c.example.com' })).toThrow(ConfigError);
    expect(() => createClient({ writeKey: 'wk', host: '' })).toThrow(ConfigError);
  });

  it('returns a client whose calls do nothing and never throw', async () => {
    const client = createClient({ writeKey: 'wk', host: 'https://c.example.com' });
    expect(() => {
      client.track('Viewed', { a: 1 });
      client.page('Home');
      client.identify('u-1', { plan: 'pro' });
      client.group('g-1');
      client.alias('u-1');
      client.reset();
      client.use({ name: 'noop' })();
    }).not.toThrow();
    await expect(client.flush()).resolves.toBeUndefined();
    await expect(client.setConsent({ analytics: true })).resolves.toBeUndefined();
    expect(client.getConsent()).toBeNull();
    expect(client.user()).toEqual({ anonymousId: '', userId: null, traits: {} });
  });
});
