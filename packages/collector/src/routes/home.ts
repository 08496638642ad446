/**
 * `GET /`: a short HTML page for whoever opens the collector in a browser,
 * pointing at the console, the health check, the README and the demo shop.
 * No key, no data: it says nothing about what the collector holds.
 */
import { Hono } from 'hono';

/** Where `pnpm start` serves the demo shop (examples/web). */
export const DEMO_SHOP_URL = 'http://localhost:8788';

const HOME_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Exhaust collector</title>
    <style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }</style>
  </head>
  <body>
    <main>
      <h1>Exhaust collector</h1>
      <p>This collector is running. It receives events on the Segment tracking API (<code>POST /v1/batch</code>,
        <code>/v1/track</code>, ...) and answers the admin API (<code>/v1/events</code>, <code>/v1/profiles</code>)
        with the admin key.</p>
      <h2>Where to go</h2>
      <ul>
        <li><a href="/console/">The console</a>: sign in with an admin key to watch events arrive, find a
          person and see why records merged.</li>
        <li><a href="/healthz">Health check</a>: <code>{"status":"ok","store":"sqlite","database":"up"}</code> when the database answers.</li>
        <li>The README at the root of the Exhaust repository (<code>README.md</code>): how to send events, read
          them back, and the identity rules.</li>
        <li>The demo shop: started next to the collector by <code>pnpm start</code>, at
          <a href="${DEMO_SHOP_URL}">${DEMO_SHOP_URL}</a>.</li>
      </ul>
    </main>
  </body>
</html>
`;

export function createHomeRoutes(): Hono {
  const app = new Hono();
  app.get('/', (c) => c.html(HOME_PAGE));
  return app;
}
