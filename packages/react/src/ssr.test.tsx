// @vitest-environment node
import * as browser from '@exhaust/browser';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { ExhaustProvider } from './provider.js';
import { useConsent } from './use-consent.js';
import { useExhaust } from './use-exhaust.js';
import { usePageViews } from './use-page-views.js';

// Count client creations while keeping the real implementation.
vi.mock('@exhaust/browser', async (original) => {
  const actual = await original<typeof browser>();
  return { ...actual, createClient: vi.fn(actual.createClient) };
});

function Page() {
  const exhaust = useExhaust();
  const { ready, pending } = useConsent();
  usePageViews();
  usePageViews('/products?sort=price');
  return (
    <main>
      <button type="button" onClick={() => exhaust.track('Clicked')}>
        buy
      </button>
      <p>{ready ? 'ready' : 'not ready'}</p>
      {pending && <div role="dialog">cookies?</div>}
    </main>
  );
}

describe('server-side rendering', () => {
  it('renders in plain Node: no browser global touched, no client created', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const html = renderToString(
      <ExhaustProvider writeKey="wk_test" host="https://collect.example.com" consent={{ required: true }}>
        <Page />
      </ExhaustProvider>,
    );
    expect(html).toContain('buy');
    expect(html).toContain('not ready');
    expect(html).not.toContain('dialog');
    expect(browser.createClient).not.toHaveBeenCalled();
  });

  it('renders with an app-owned client created on the server (the SDK returns a no-op one there)', () => {
    const client = browser.createClient({ writeKey: 'wk_test', host: 'https://collect.example.com' });
    const html = renderToString(
      <ExhaustProvider client={client}>
        <Page />
      </ExhaustProvider>,
    );
    expect(html).toContain('not ready');
    client.track('On The Server');
    expect(client.user().anonymousId).toBe('');
  });

  it('still refuses a provider without a host on the server', () => {
    // @ts-expect-error: the missing host is the point
    expect(() => renderToString(<ExhaustProvider writeKey="wk_test" />)).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});
