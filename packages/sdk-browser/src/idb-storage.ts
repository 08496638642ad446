/**
 * The event queue in IndexedDB through idb-keyval: one key per event (its
 * messageId) in the object store `events` of database `exhaust:v1`.
 */
import type { EventStorage, QueuedEvent } from '@exhaust/core';
import { createStore, promisifyRequest } from 'idb-keyval';

/** Versioned database name: a future layout gets a new database, never a migration in place. */
export const IDB_DATABASE = 'exhaust:v1';
export const IDB_STORE = 'events';

/**
 * idb-keyval's `createStore` owns the hard part (lazy open, reopening after
 * Safari drops the connection); the four operations are one transaction each,
 * written here on its `UseStore` so the bundle carries only what it uses.
 * Nothing is opened before the first operation, so a page whose visitor has
 * not consented never creates the database.
 *
 * @example const storage = createIndexedDbStorage();
 */
export function createIndexedDbStorage(): EventStorage {
  const store = createStore(IDB_DATABASE, IDB_STORE);
  const write = (change: (events: IDBObjectStore) => void) =>
    store('readwrite', (events) => {
      change(events);
      return promisifyRequest(events.transaction) as Promise<unknown> as Promise<void>;
    });
  return {
    putMany: (list) =>
      write((events) => {
        for (const event of list) events.put(event, event.id);
      }),
    removeMany: (ids) =>
      write((events) => {
        for (const id of ids) events.delete(id);
      }),
    list: () => store('readonly', (events) => promisifyRequest(events.getAll() as IDBRequest<QueuedEvent[]>)),
    clear: () => write((events) => events.clear()),
  };
}
