// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { StrictMode, useEffect } from 'react';
import { BrowserRouter, createMemoryRouter, Link, Route, RouterProvider, Routes, useLocation } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExhaustProvider } from './provider.js';
import { capturePlugin, pages, type Sink, startSink, waitFor } from './test-helpers.js';
import { useExhaust } from './use-exhaust.js';
import { type PageViewOptions, usePageViews } from './use-page-views.js';

// The plugin sees each capture; the sink only keeps the clients' sends off a closed port.
let sink: Sink;
let HOST = '';
beforeAll(async () => {
  sink = await startSink();
  HOST = sink.url;
});
const plugins: ReturnType<typeof capturePlugin>[] = [];
const capture = () => {
  const plugin = capturePlugin();
  plugins.push(plugin);
  return plugin;
};
afterAll(async () => {
  // Clients shut down at unmount deliver what they captured: wait for it before closing the sink.
  const captured = plugins.reduce((sum, plugin) => sum + plugin.captured.length, 0);
  await waitFor(() => expect(sink.received).toHaveLength(captured));
  await sink.close();
});

beforeEach(() => history.replaceState(null, '', '/'));
afterEach(() => {
  cleanup();
  document.title = '';
});

const viewed = (plugin: ReturnType<typeof capturePlugin>) =>
  pages(plugin.captured).map((m) => ({ path: m.properties?.path, search: m.properties?.search, name: m.name }));

/** A route as apps write them with React 19: its own <title>, and an event tracked when it is shown. */
function Titled({ title }: { title: string }) {
  const client = useExhaust();
  useEffect(() => {
    client.track('Route Shown', { title });
  }, [client, title]);
  return (
    <>
      <title>{title}</title>
      <h1>{title}</h1>
    </>
  );
}

function HistoryViews({ options }: { options?: PageViewOptions }) {
  usePageViews(undefined, options);
  return <Titled title={`at ${location.pathname}`} />;
}

function RouterViews() {
  usePageViews(useLocation());
  return null;
}

function MemoryRoot() {
  usePageViews(useLocation());
  return <Link to="/cart">cart</Link>;
}

describe('usePageViews() on plain history navigation', () => {
  it('sends one page() on mount and one per new path, after the route rendered, under StrictMode', async () => {
    const plugin = capture();
    render(
      <StrictMode>
        <ExhaustProvider writeKey="wk_test" host={HOST} storage="memory" plugins={[plugin]}>
          <HistoryViews />
        </ExhaustProvider>
      </StrictMode>,
    );
    await act(async () => history.pushState(null, '', '/products?sort=price'));
    await act(async () => history.replaceState(null, '', '/products?sort=price#reviews')); // same page, new hash
    await act(async () => history.pushState(null, '', '/cart'));
    expect(viewed(plugin)).toEqual([
      { path: '/', search: '', name: undefined },
      { path: '/products', search: '?sort=price', name: undefined },
      { path: '/cart', search: '', name: undefined },
    ]);
    const [, products, cart] = pages(plugin.captured);
    expect(products?.properties?.title).toBe('at /products');
    expect(products?.properties?.referrer).toBe('http://localhost:3000/');
    // The referrer is the URL the previous view was counted at.
    expect(cart?.properties?.referrer).toBe('http://localhost:3000/products?sort=price');
  });

  it('follows back and forward (popstate)', async () => {
    const plugin = capture();
    // What the browser does on back: the URL changes without pushState, then popstate fires.
    const unwrappedReplace = history.replaceState.bind(history);
    render(
      <ExhaustProvider writeKey="wk_test" host={HOST} storage="memory" plugins={[plugin]}>
        <HistoryViews />
      </ExhaustProvider>,
    );
    await act(async () => history.pushState(null, '', '/a'));
    await act(async () => {
      unwrappedReplace(null, '', '/');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(viewed(plugin).map((v) => v.path)).toEqual(['/', '/a', '/']);
  });

  it('names pages through options.name', async () => {
    const plugin = capture();
    const options: PageViewOptions = { name: (path) => (path.startsWith('/products/') ? 'Product' : undefined) };
    render(
      <ExhaustProvider writeKey="wk_test" host={HOST} storage="memory" plugins={[plugin]}>
        <HistoryViews options={options} />
      </ExhaustProvider>,
    );
    await act(async () => history.pushState(null, '', '/products/42'));
    expect(viewed(plugin).map((v) => v.name)).toEqual([undefined, 'Product']);
  });

  it('unwraps pushState and replaceState once the last listener unmounts', async () => {
    const { pushState, replaceState } = history;
    const { unmount } = render(
      <ExhaustProvider writeKey="wk_test" host={HOST} storage="memory" plugins={[capture()]}>
        <HistoryViews />
      </ExhaustProvider>,
    );
    expect(history.pushState).not.toBe(pushState);
    unmount();
    expect(history.pushState).toBe(pushState);
    expect(history.replaceState).toBe(replaceState);
  });
});

describe('usePageViews(useLocation()) with React Router 7', () => {
  const routes = (
    <>
      <Route path="/" element={<Link to="/products?page=2">products</Link>} />
      <Route
        path="/products"
        element={
          <>
            <Titled title="Products" />
            <Link to="/products?page=2#top">same page</Link>
            <Link to="/cart">cart</Link>
          </>
        }
      />
      <Route path="/cart" element={<Titled title="Cart" />} />
    </>
  );

  it('sends a page() per route change of a BrowserRouter: after the new <title>, before the route tracks', async () => {
    const plugin = capture();
    render(
      <ExhaustProvider writeKey="wk_test" host={HOST} storage="memory" plugins={[plugin]}>
        <BrowserRouter>
          <RouterViews />
          <Routes>{routes}</Routes>
        </BrowserRouter>
      </ExhaustProvider>,
    );
    for (const link of ['products', 'same page', 'cart']) {
      await act(async () => fireEvent.click(screen.getByText(link)));
    }
    expect(
      plugin.captured.map((m) =>
        m.type === 'page' ? `page ${m.properties?.path}${m.properties?.search} "${m.properties?.title}"` : m.event,
      ),
    ).toEqual(['page / ""', 'page /products?page=2 "Products"', 'Route Shown', 'page /cart "Cart"', 'Route Shown']);
  });

  it('follows a memory router, whose paths never reach window.location', async () => {
    const plugin = capture();
    const router = createMemoryRouter(
      [
        { path: '/', element: <MemoryRoot /> },
        { path: '/cart', element: <MemoryRoot /> },
      ],
      { initialEntries: ['/'] },
    );
    render(
      <ExhaustProvider writeKey="wk_test" host={HOST} storage="memory" plugins={[plugin]}>
        <RouterProvider router={router} />
      </ExhaustProvider>,
    );
    await act(async () => fireEvent.click(screen.getByText('cart')));
    await act(async () => router.navigate(-1));
    expect(viewed(plugin).map((v) => v.path)).toEqual(['/', '/cart', '/']);
    expect(location.pathname).toBe('/');
  });
});
