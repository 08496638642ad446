/** The React context every hook reads its provider's client holder from. */
import { ConfigError } from '@exhaust/core';
import { createContext, useContext, useEffect, useLayoutEffect } from 'react';
import type { ClientHolder } from './client-holder.js';

export const HolderContext = createContext<ClientHolder | null>(null);

/** The nearest provider's holder; a hook used outside `<ExhaustProvider>` is a wiring bug, so it throws. */
export function useHolder(): ClientHolder {
  const holder = useContext(HolderContext);
  if (!holder) throw new ConfigError('Exhaust hooks need an <ExhaustProvider> above them');
  return holder;
}

/** Layout effect in the browser (runs before paint), plain effect on the server (where neither runs). */
export const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;
