// @vitest-environment happy-dom
import { createClient } from '@exhaust/browser';
import { act, cleanup, fireEvent, render, renderHook, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExhaustProvider } from './provider.js';
import { capturePlugin, pages, type Sink, startSink, tracks, waitFor } from './test-helpers.js';
import { useExhaust } from './use-exhaust.js';

// A sink per test, closed at the end: a client shut down at unmount still delivers after its test ended.
let sink: Sink;
const sinks: Sink[] = [];
beforeEach(async () => {
  history.replaceState(null, '', '/');
  sink = await startSink();
  sinks.push(sink);
});
afterEach(() => {
  cleanup();
  localStorage.clear();
});
afterAll(() => Promise.all(sinks.map((s) => s.close())));

function BuyButton() {
  const exhaust = useExhaust();
  return (
    <button type="button" onClick={() => exhaust.track('Product Added', { sku: 'sku-1' })}>
      buy
    </button>
  );
}

describe('ExhaustProvider with options', () => {
  it('creates the real client on mount and delivers what the app tracks to the collector', async () => {
    const plugin = capturePlugin();
    render(
      <ExhaustProvider writeKey="wk_test" host={sink.url} storage="memory" flushAt={1} plugins={[plugin]}>
        <BuyButton />
      </ExhaustProvider>,
    );
    fireEvent.click(screen.getByText('buy'));
    await waitFor(() => expect(tracks(sink.received).map((m) => m.event)).toEqual(['Product Added']));
    const [sent] = tracks(sink.received);
    expect(sent?.properties).toEqual({ sku: 'sku-1' });
    expect(sent?.anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent?.context?.library?.name).toBe('@exhaust/browser');
  });

  it('sends no page view by itself: page views belong to usePageViews unless autoPage is passed', async () => {
    const plugin = capturePlugin();
    render(<ExhaustProvider writeKey="wk_test" host={sink.url} storage="memory" plugins={[plugin]} />);
    act(() => history.pushState(null, '', '/elsewhere'));
    expect(plugin.captured).toEqual([]);
  });

  it('makes one client under StrictMode (one page view on load, one per navigation)', async () => {
    const plugin = capturePlugin();
    render(
      <StrictMode>
        <ExhaustProvider writeKey="wk_test" host={sink.url} storage="memory" autoPage plugins={[plugin]}>
          <BuyButton />
        </ExhaustProvider>
      </StrictMode>,
    );
    expect(pages(plugin.captured)).toHaveLength(1);
    act(() => history.pushState(null, '', '/products'));
    expect(pages(plugin.captured).map((m) => m.properties?.path)).toEqual(['/', '/products']);
    // Let StrictMode's simulated unmount pass: a premature shutdown would stop the client here.
    await act(() => Promise.resolve());
    fireEvent.click(screen.getByText('buy'));
    expect(tracks(plugin.captured)).toHaveLength(1);
  });

  it('shuts its client down on unmount, which flushes what was queued', async () => {
    const { unmount } = render(
      <ExhaustProvider writeKey="wk_test" host={sink.url} storage="memory">
        <BuyButton />
      </ExhaustProvider>,
    );
    fireEvent.click(screen.getByText('buy'));
    await act(() => Promise.resolve());
    // flushAt (20) and the 5 s interval are far away: only a shutdown sends this one event now.
    expect(sink.received).toEqual([]);
    unmount();
    await waitFor(() => expect(tracks(sink.received).map((m) => m.event)).toEqual(['Product Added']));
  });

  it('throws a ConfigError when neither a client nor a writeKey and host are given', () => {
    // @ts-expect-error: the missing host is the point
    expect(() => render(<ExhaustProvider writeKey="wk_test" />)).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});

describe('ExhaustProvider with a client', () => {
  it('forwards every call to the app-owned client and leaves it running after unmount', async () => {
    const plugin = capturePlugin();
    const client = createClient({ writeKey: 'wk_test', host: sink.url, storage: 'memory', autoPage: false });
    client.use(plugin);
    const { result, unmount } = renderHook(() => useExhaust(), {
      wrapper: ({ children }) => <ExhaustProvider client={client}>{children}</ExhaustProvider>,
    });
    result.current.identify('u-1', { plan: 'pro' });
    expect(result.current.user()).toEqual(client.user());
    expect(client.user().userId).toBe('u-1');
    unmount();
    await act(() => Promise.resolve());
    client.track('After Unmount');
    await client.flush();
    expect(sink.received.map((m) => m.type)).toEqual(['identify', 'track']);
    await client.shutdown();
  });

  it('returns the same object on every render', () => {
    const client = createClient({ writeKey: 'wk_test', host: sink.url, storage: 'memory', autoPage: false });
    const { result, rerender } = renderHook(() => useExhaust(), {
      wrapper: ({ children }) => <ExhaustProvider client={client}>{children}</ExhaustProvider>,
    });
    const first = result.current;
    rerender();
    expect(result.current).toBe(first);
    void client.shutdown();
  });
});

describe('useExhaust', () => {
  it('throws a ConfigError outside a provider', () => {
    expect(() => renderHook(() => useExhaust())).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
