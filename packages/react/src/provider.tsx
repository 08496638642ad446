/** `<ExhaustProvider>`: puts one Exhaust client at the top of a React tree. */
import type { ClientOptions, ExhaustClient } from '@exhaust/browser';
import { ConfigError } from '@exhaust/core';
import { type ReactNode, useState } from 'react';
import { type ClientSource, createClientHolder } from './client-holder.js';
import { HolderContext, useIsomorphicLayoutEffect } from './context.js';

export type ExhaustProviderProps = { children?: ReactNode } & (
  | { client: ExhaustClient }
  | (ClientOptions & { client?: undefined })
);

/**
 * Gives the hooks below it one client: either yours (`client`, which you own and
 * shut down), or one it creates from the `createClient` options passed as props.
 * A created client is made once, on mount in the browser (never during a server
 * render), reads its props only then, and is shut down when the provider unmounts.
 *
 * NOTE: a created client defaults to `autoPage: false`: page views come from
 * {@link usePageViews}, which knows your router. Pass `autoPage` to change that.
 *
 * @example
 * <ExhaustProvider writeKey="wk_123" host="https://collect.example.com" consent={{ required: true }}>
 *   <App />
 * </ExhaustProvider>
 */
export function ExhaustProvider(props: ExhaustProviderProps): ReactNode {
  const { children, client, ...options } = props;
  const [holder] = useState(() => createClientHolder(sourceOf(client, options as ClientOptions)));
  useIsomorphicLayoutEffect(() => {
    holder.ensure();
    return () => holder.release();
  }, [holder]);
  return <HolderContext.Provider value={holder}>{children}</HolderContext.Provider>;
}

function sourceOf(client: ExhaustClient | undefined, options: ClientOptions): ClientSource {
  if (client) return { client };
  // Checked here, at first render, so a missing key fails where it is written and on the server too.
  if (!options.writeKey || !options.host)
    throw new ConfigError('<ExhaustProvider> needs a client, or a writeKey and a host');
  return { options: { ...options, autoPage: options.autoPage ?? false } };
}
