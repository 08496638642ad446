/**
 * The opt-in `handleSignals` hook: on SIGTERM or SIGINT, shut every hooked
 * client down (flush, stop timers), then let the signal do what it would have
 * done; on `beforeExit` (the event loop ran dry with events still queued),
 * shut them down once. One set of process listeners serves every client, so
 * the signal is raised again only after the last of them finished.
 */

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const hooked = new Set<() => Promise<void>>();

const shutdownAll = () => Promise.allSettled([...hooked].map((shutdown) => shutdown()));

function onSignal(signal: NodeJS.Signals) {
  detach();
  void shutdownAll().then(() => {
    // NOTE: our listener replaced Node's default (exit). When nobody else handles the
    // signal, raise it again so the process ends the way its supervisor expects.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onBeforeExit() {
  detach();
  void shutdownAll();
}

function attach() {
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
}

function detach() {
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('beforeExit', onBeforeExit);
}

/**
 * Hooks `shutdown` to the process; returns the unhooking (call it once the client shut down by itself).
 *
 * @example const unhook = installSignalHandlers(() => client.shutdown());
 */
export function installSignalHandlers(shutdown: () => Promise<void>): () => void {
  if (hooked.size === 0) attach();
  hooked.add(shutdown);
  return () => {
    if (hooked.delete(shutdown) && hooked.size === 0) detach();
  };
}
