/**
 * Group commit, per collector: every ingest request that arrives while a
 * transaction runs waits for the next one, and all of a transaction's
 * requests are answered after its COMMIT, never before. Generic over how a
 * group is written (see ingest.ts), so it can be tested and reused alone.
 */
import type { IngestOutcome } from '../store.js';

/** Events in one group transaction at most: bounds how long its locks are held and its size in memory. */
export const GROUP_COMMIT_MAX_EVENTS = 2_000;

/** Result of one request in a group: its outcomes, or why it alone failed. */
export type GroupResult = { ok: true; value: IngestOutcome[] } | { ok: false; error: unknown };

export interface GroupCommit<E> {
  /** Resolves with the request's outcomes once its group has committed. */
  submit(events: E[]): Promise<IngestOutcome[]>;
  /** Resolves when every request submitted so far has been answered. */
  drain(): Promise<void>;
}

interface Pending<E> {
  events: E[];
  resolve: (value: IngestOutcome[]) => void;
  reject: (error: unknown) => void;
}

/**
 * @param writeGroup writes the requests in one transaction (one result per
 *   request, in order); throwing fails every request of the group with that error.
 * @example const commits = createGroupCommit((requests) => writeGroup(pool, requests));
 */
export function createGroupCommit<E>(
  writeGroup: (requests: E[][]) => Promise<GroupResult[]>,
  maxEvents = GROUP_COMMIT_MAX_EVENTS,
): GroupCommit<E> {
  let pending: Pending<E>[] = [];
  let running: Promise<void> | null = null;

  const take = (): Pending<E>[] => {
    let events = 0;
    let count = 0;
    while (count < pending.length && (count === 0 || events + pending[count]!.events.length <= maxEvents)) {
      events += pending[count]!.events.length;
      count += 1;
    }
    const group = pending.slice(0, count);
    pending = pending.slice(count);
    return group;
  };

  const loop = async (): Promise<void> => {
    while (pending.length > 0) {
      const group = take();
      let results: GroupResult[];
      try {
        results = await writeGroup(group.map((request) => request.events));
      } catch (error) {
        results = group.map(() => ({ ok: false, error }));
      }
      group.forEach((request, index) => {
        const result = results[index];
        if (result?.ok) request.resolve(result.value);
        else request.reject(result ? result.error : new Error('group commit lost a result'));
      });
    }
    running = null;
  };

  return {
    submit(events) {
      return new Promise<IngestOutcome[]>((resolve, reject) => {
        pending.push({ events, resolve, reject });
        // setImmediate lets the requests already received in this turn join the first group.
        running ??= new Promise<void>((start) => setImmediate(start)).then(loop);
      });
    },
    async drain() {
      while (running) await running;
    },
  };
}
