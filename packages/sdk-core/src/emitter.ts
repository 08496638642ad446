/** A tiny typed event emitter: listeners never break the emitter. */
export interface Emitter<Events extends Record<string, unknown[]>> {
  on<K extends keyof Events>(type: K, listener: (...args: Events[K]) => void): () => void;
  emit<K extends keyof Events>(type: K, ...args: Events[K]): void;
}

export function createEmitter<Events extends Record<string, unknown[]>>(): Emitter<Events> {
  const listeners: { [K in keyof Events]?: Set<(...args: Events[K]) => void> } = {};
  return {
    on(type, listener) {
      const set = listeners[type] ?? new Set();
      listeners[type] = set;
      set.add(listener);
      return () => set.delete(listener);
    },
    emit(type, ...args) {
      listeners[type]?.forEach((listener) => {
        try {
          listener(...args);
        } catch {
          // NOTE: a failing listener is the host's bug; it must not stop the queue.
        }
      });
    },
  };
}
