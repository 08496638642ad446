/**
 * The opt-in `handleSignals` hook: on SIGTERM or SIGINT, shut the client down
 * (flush, stop timers), then let the signal do what it would have done; on
 * `beforeExit` (the event loop ran dry with events still queued), shut down once.
 */

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Installs the hooks; returns their removal.
 *
 * @example const uninstall = installSignalHandlers(() => client.shutdown());
 */
export function installSignalHandlers(shutdown: () => Promise<void>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    uninstall();
    void shutdown().finally(() => {
      // NOTE: our listener replaced Node's default (exit). When nobody else handles the
      // signal, raise it again so the process ends the way its supervisor expects.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const onBeforeExit = () => {
    uninstall();
    void shutdown();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  function uninstall() {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('beforeExit', onBeforeExit);
  }
  return uninstall;
}
