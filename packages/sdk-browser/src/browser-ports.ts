/** Browser adapters for the core's ports that are not storage or transport. */
import { createLocalLock, createMemoryStorage, type EventStorage, type Lock, type Logger } from '@exhaust/core';

/** Name of the Web Lock held by the one tab that flushes the shared queue. */
export const FLUSH_LOCK_NAME = 'exhaust:v1:flush';

/**
 * One flusher per origin across tabs through Web Locks; where they are missing,
 * each tab flushes on its own (messageId keeps a double send from counting twice).
 */
export function createWebLock(): Lock {
  const locks = navigator.locks;
  if (!locks) return createLocalLock();
  return { run: (fn) => locks.request(FLUSH_LOCK_NAME, fn) as Promise<Awaited<ReturnType<typeof fn>>> };
}

/**
 * The queue's storage: IndexedDB while consent allows persisting, memory
 * otherwise. Where IndexedDB is missing or its first operation fails (private
 * modes, quota, a closed connection), memory for good, said in debug.
 */
export function createConsentedStorage(
  durable: EventStorage | null,
  persist: () => boolean,
  logger: Logger,
): EventStorage {
  const memory = createMemoryStorage();
  // NOTE: async, so an IndexedDB call that throws synchronously (a blocked `open`) is caught like a rejection.
  const use = async <T>(run: (storage: EventStorage) => Promise<T>): Promise<T> => {
    if (durable && persist()) {
      try {
        return await run(durable);
      } catch (error) {
        durable = null;
        logger.warn('IndexedDB failed', error);
      }
    }
    return run(memory);
  };
  return {
    putMany: (events) => use((storage) => storage.putMany(events)),
    removeMany: (ids) => use((storage) => storage.removeMany(ids)),
    list: () => use((storage) => storage.list()),
    async clear() {
      await memory.clear();
      // NOTE: cleared even when persisting is off: revoking consent must empty what an earlier grant stored.
      await durable?.clear().catch(() => {});
    },
  };
}
