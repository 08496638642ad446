// @vitest-environment happy-dom
import { CONSENT_EVENT, CONSENT_KEY, createClient } from '@exhaust/browser';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExhaustProvider } from './provider.js';
import { type Sink, startSink, tracks, waitFor } from './test-helpers.js';
import { useConsent } from './use-consent.js';
import { useExhaust } from './use-exhaust.js';

const sinks: Sink[] = [];
let sink: Sink;
beforeEach(async () => {
  sink = await startSink();
  sinks.push(sink);
});
afterEach(() => {
  cleanup();
  localStorage.clear();
});
afterAll(() => Promise.all(sinks.map((s) => s.close())));

function CookieBanner() {
  const { pending, setConsent } = useConsent();
  if (!pending) return null;
  return (
    <div role="dialog">
      <button type="button" onClick={() => setConsent({ analytics: true, marketing: false })}>
        accept analytics
      </button>
      <button type="button" onClick={() => setConsent({ analytics: false, marketing: false })}>
        reject
      </button>
    </div>
  );
}

function Settings() {
  const { ready, preferences } = useConsent();
  if (!ready) return <p>loading</p>;
  return <p>{preferences ? `analytics ${preferences.analytics ? 'on' : 'off'}` : 'undecided'}</p>;
}

function Shop() {
  const exhaust = useExhaust();
  return (
    <>
      <button type="button" onClick={() => exhaust.track('Product Viewed', { sku: 'sku-1' })}>
        view
      </button>
      <button type="button" onClick={() => exhaust.flush()}>
        flush
      </button>
    </>
  );
}

function App({ host }: { host: string }) {
  return (
    <ExhaustProvider writeKey="wk_test" host={host} storage="memory" consent={{ required: true }}>
      <CookieBanner />
      <Settings />
      <Shop />
    </ExhaustProvider>
  );
}

const click = (text: string) => act(async () => fireEvent.click(screen.getByText(text)));

describe('useConsent', () => {
  it('shows the banner while pending; accepting hides it everywhere and releases the held events', async () => {
    render(<App host={sink.url} />);
    expect(screen.getByRole('dialog')).toBeTruthy();
    expect(screen.getByText('undecided')).toBeTruthy();
    await click('view');
    await click('flush');
    expect(sink.received).toEqual([]);

    await click('accept analytics');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByText('analytics on')).toBeTruthy();
    await click('flush');
    await waitFor(() => expect(tracks(sink.received).map((m) => m.event)).toEqual(['Product Viewed', CONSENT_EVENT]));
    const [viewed] = tracks(sink.received);
    expect(viewed?.context?.consent?.categoryPreferences).toMatchObject({ analytics: true, marketing: false });
  });

  it('rejecting hides the banner and sends nothing, ever', async () => {
    render(<App host={sink.url} />);
    await click('view');
    await click('reject');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByText('analytics off')).toBeTruthy();
    await click('view');
    await click('flush');
    expect(sink.received).toEqual([]);
  });

  it('reads a decision made on an earlier visit: no banner for a returning visitor', async () => {
    const first = render(<App host={sink.url} />);
    await click('accept analytics');
    first.unmount();
    render(<App host={sink.url} />);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByText('analytics on')).toBeTruthy();
  });

  it('follows a decision made directly on the client, outside any hook', async () => {
    const client = createClient({
      writeKey: 'wk_test',
      host: sink.url,
      storage: 'memory',
      autoPage: false,
      consent: { required: true },
    });
    render(
      <ExhaustProvider client={client}>
        <CookieBanner />
        <Settings />
      </ExhaustProvider>,
    );
    expect(screen.getByText('undecided')).toBeTruthy();
    await act(() => client.setConsent({ analytics: true }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByText('analytics on')).toBeTruthy();
    await act(() => client.setConsent({ analytics: false }));
    expect(screen.getByText('analytics off')).toBeTruthy();
    await client.shutdown();
  });

  it("follows another tab's decision (the storage event of its write)", async () => {
    render(<App host={sink.url} />);
    expect(screen.getByRole('dialog')).toBeTruthy();
    const decision = JSON.stringify({ necessary: true, analytics: true, marketing: false, personalization: false });
    // What the browser does when another tab of the origin writes the decision.
    localStorage.setItem(CONSENT_KEY, decision);
    act(() => {
      window.dispatchEvent(new StorageEvent('storage', { key: CONSENT_KEY, newValue: decision }));
    });
    await waitFor(() => expect(screen.getByText('analytics on')).toBeTruthy());
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('hydrates server markup without a mismatch, then shows what the browser knows', async () => {
    const html = renderToString(<App host={sink.url} />);
    expect(html).toContain('loading');
    expect(html).not.toContain('dialog');
    const container = document.createElement('div');
    container.innerHTML = html;
    document.body.append(container);
    const errors = vi.spyOn(console, 'error');
    const recoverable = vi.fn();
    const root = hydrateRoot(container, <App host={sink.url} />, { onRecoverableError: recoverable });
    await waitFor(() => expect(container.querySelector('[role="dialog"]')).toBeTruthy());
    expect(container.textContent).toContain('undecided');
    expect(recoverable).not.toHaveBeenCalled();
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
    act(() => root.unmount());
    container.remove();
  });
});
