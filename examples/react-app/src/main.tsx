/**
 * Entry: reads the runtime config, then mounts the shop under one
 * `<ExhaustProvider>`. Consent is required: nothing is stored or sent until the
 * banner is answered (what happens meanwhile waits in memory).
 */
import { ExhaustProvider } from '@exhaust/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { loadConfig } from './config.js';

const root = createRoot(document.getElementById('root')!);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <ExhaustProvider writeKey={config.writeKey} host={config.host} consent={{ required: true }}>
          <App checkoutUrl={config.checkoutUrl} />
        </ExhaustProvider>
      </StrictMode>,
    ),
  (error: unknown) => root.render(<p role="alert">Could not load the shop's config: {String(error)}</p>),
);
