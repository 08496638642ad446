import type { EventStorage, Logger, QueuedEvent } from './ports.js';

/**
 * Event storage in memory: the fallback where nothing durable exists, and the
 * storage of tests. Lost with the process or page.
 *
 * @example const storage = createMemoryStorage();
 */
export function createMemoryStorage(): EventStorage {
  const events = new Map<string, QueuedEvent>();
  return {
    async putMany(list) {
      for (const event of list) events.set(event.id, event);
    },
    async removeMany(ids) {
      for (const id of ids) events.delete(id);
    },
    async list() {
      return [...events.values()];
    },
    async clear() {
      events.clear();
    },
  };
}

/**
 * Uses `primary` until one of its operations fails, then switches to `fallback`
 * for good (IndexedDB in private modes, quota, a connection the browser closed)
 * and says so in debug. Events written to `primary` before the failure stay
 * there and are picked up by the next healthy instance.
 */
export function withStorageFallback(primary: EventStorage, fallback: EventStorage, logger: Logger): EventStorage {
  let current = primary;
  async function call<T>(run: (storage: EventStorage) => Promise<T>): Promise<T> {
    const using = current;
    try {
      return await run(using);
    } catch (error) {
      if (using !== primary) throw error;
      current = fallback;
      logger.warn('event storage failed; keeping events in memory', error);
      return run(fallback);
    }
  }
  return {
    putMany: (events) => call((storage) => storage.putMany(events)),
    removeMany: (ids) => call((storage) => storage.removeMany(ids)),
    list: () => call((storage) => storage.list()),
    clear: () => call((storage) => storage.clear()),
  };
}
