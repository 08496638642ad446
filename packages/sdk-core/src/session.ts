/** A session ends after this long without an event (the industry's usual 30 minutes). */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

export interface SessionState {
  id: string;
  /** Last activity, ms since the epoch. */
  lastSeen: number;
}

export interface Session {
  /** Records activity now; `start` is true on the first event of a new session. */
  touch(): { id: string; start: boolean };
  state(): SessionState | null;
}

/**
 * Session ids are the session's start time in ms (as Amplitude and Segment do),
 * so they sort and need no randomness.
 *
 * @example const session = createSession({ now: Date.now }); session.touch().id
 */
export function createSession(options: {
  now: () => number;
  timeoutMs?: number;
  initial?: SessionState | null;
}): Session {
  const timeout = options.timeoutMs ?? SESSION_TIMEOUT_MS;
  let state = options.initial ?? null;
  return {
    touch() {
      const at = options.now();
      const start = !state || at - state.lastSeen > timeout;
      state = { id: start ? String(at) : state!.id, lastSeen: at };
      return { id: state.id, start };
    },
    state: () => state,
  };
}
