/**
 * Plain history navigation as a subscription: `pushState`, `replaceState` and
 * `popstate`. The history methods are wrapped only while someone listens.
 */

type HistoryMethod = 'pushState' | 'replaceState';

const listeners = new Set<() => void>();
let uninstall: (() => void) | null = null;

const notify = () => {
  for (const listener of listeners) listener();
};

function install(): () => void {
  const restores = (['pushState', 'replaceState'] as HistoryMethod[]).map((method) => {
    const original = history[method];
    const wrapped = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      notify();
    };
    history[method] = wrapped;
    return () => {
      // NOTE: someone wrapped it after us (another SDK): leave the chain alone; with no listeners ours is inert.
      if (history[method] === wrapped) history[method] = original;
    };
  });
  addEventListener('popstate', notify);
  return () => {
    removeEventListener('popstate', notify);
    for (const restore of restores) restore();
  };
}

/** Calls `listener` after every history navigation until the returned function is called. */
export function subscribeToHistory(listener: () => void): () => void {
  listeners.add(listener);
  uninstall ??= install();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && uninstall) {
      uninstall();
      uninstall = null;
    }
  };
}
