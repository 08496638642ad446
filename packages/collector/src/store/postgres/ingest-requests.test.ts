/**
 * PostgreSQL ingest writes a request's dedupe claims, event rows and warnings
 * set-based: the answers, the arrival order and the recorded decisions must be
 * exactly those of the SQLite store (the reference, one event after the other)
 * for what a batch can mix: repeats inside a request and across the requests
 * of a group, a suppressed event in the middle, subscription changes whose
 * timeline event takes a seq between two events, and a failing request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../test/postgres.js';
import { createSqliteStore } from '../sqlite/sqlite-store.js';
import { makeIncomingEvent } from '../store.contract.js';
import type { IncomingEvent, IngestOutcome, Store } from '../store.js';
import { createPostgresStore } from './postgres-store.js';

const clusterUrl = testPostgresUrl();
let database: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'exhaust-ingest-requests-'));

const track = (messageId: string, anonymousId: string, minute: number) =>
  makeIncomingEvent({
    messageId,
    timestamp: `2026-11-25T10:${String(minute).padStart(2, '0')}:00.000Z`,
    message: { anonymousId },
  });

/** Answers with profile ids replaced by the order they first appear in (they are random per store). */
function comparable(outcomes: IngestOutcome[][], ids: Map<string, string>) {
  return outcomes.map((request) =>
    request.map((o) => {
      if (o.profileId !== null && !ids.has(o.profileId)) ids.set(o.profileId, `p${ids.size + 1}`);
      return { ...o, profileId: o.profileId === null ? null : ids.get(o.profileId) };
    }),
  );
}

/** The scenario, run the same on both stores; answers what a client and an operator can see. */
async function scenario(store: Store) {
  await store.ingest([
    makeIncomingEvent({ messageId: 'g0', message: { type: 'identify', userId: 'gone', anonymousId: 'gone-a' } }),
  ]);
  await store.erase({ type: 'userId', value: 'gone' }, { suppress: true });
  const subscribe = makeIncomingEvent({
    messageId: 'sub',
    timestamp: '2026-11-25T10:06:00.000Z',
    message: {
      type: 'identify',
      userId: 'u-1',
      anonymousId: 'a',
      traits: { email: 'ada@x.io' },
      context: { messaging_subscriptions: [{ key: 'ada@x.io', type: 'EMAIL', status: 'UNSUBSCRIBED' }] },
    },
  });
  const poison = { ...track('poison', 'p', 9), type: null } as unknown as IncomingEvent;
  // Submitted in one turn: one group, one transaction, a savepoint per request.
  const group = await Promise.allSettled([
    store.ingest([
      track('t1', 'a', 1),
      track('t2', 'b', 2),
      track('t1', 'a', 3),
      track('s1', 'gone-a', 4),
      track('t3', 'a', 5),
      subscribe,
      track('t4', 'a', 7),
      track('sub', 'a', 8),
    ]),
    store.ingest([track('t2', 'b', 2), track('t5', 'c', 9), track('t5', 'c', 9)]),
    store.ingest([track('t6', 'd', 10), poison]),
    store.ingest([track('t7', 'd', 11)]),
  ]);
  const fulfilled = group.map((r) => (r.status === 'fulfilled' ? r.value : null));
  const again = await store.ingest([track('s1', 'gone-a', 4), track('t6', 'd', 10), track('t1', 'a', 1)]);
  const events = (await store.listEvents({ limit: 100 })).data.map((e) =>
    e.source === 'exhaust' ? `exhaust:${(e.message as { event?: string }).event}` : e.messageId,
  );
  const traces = [];
  for (const id of ['t1', 't2', 's1', 't5', 'sub', 't6', 'poison']) {
    const trace = await store.traceMessage(id);
    traces.push({
      id,
      seen: trace.seen,
      stored: trace.event !== null,
      warnings: trace.event?.warnings ?? null,
      decisions: trace.decisions.map((d) => ({ ...d, at: undefined })),
    });
  }
  const ids = new Map<string, string>();
  return {
    statuses: group.map((r) => r.status),
    outcomes: comparable([...fulfilled.map((o) => o ?? []), again], ids),
    events,
    traces,
  };
}

describe.skipIf(clusterUrl === null)('postgres ingest, a request at a time', () => {
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers, orders and records a mixed group exactly as the SQLite store', async () => {
    const sqlite = await createSqliteStore({ file: join(dir, 'reference.sqlite'), mode: 'inline' });
    const postgres = await createPostgresStore({ url: database.url, schema: database.freshSchema(), poolSize: 2 });
    try {
      const expected = await scenario(sqlite);
      const actual = await scenario(postgres);
      expect(actual).toEqual(expected);
      // What the reference says, spelled out for the cases a set-based write could get wrong.
      expect(actual.statuses).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(actual.outcomes.map((request) => request.map((o) => o.status))).toEqual([
        ['stored', 'stored', 'duplicate', 'suppressed', 'stored', 'stored', 'stored', 'duplicate'],
        ['duplicate', 'stored', 'duplicate'],
        [],
        ['stored'],
        ['duplicate', 'stored', 'duplicate'],
      ]);
      // Newest first by seq: arrival order, the subscription's timeline event right after its identify.
      expect(actual.events).toEqual(['t6', 't7', 't5', 't4', 'exhaust:Unsubscribed', 'sub', 't3', 't2', 't1']);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it('rolls back a failing request alone in its group (no savepoint) and goes on', async () => {
    const store = await createPostgresStore({ url: database.url, schema: database.freshSchema(), poolSize: 1 });
    try {
      const poison = { ...track('lone-poison', 'p', 1), type: null } as unknown as IncomingEvent;
      await expect(store.ingest([track('lone-1', 'l', 1), poison])).rejects.toThrow();
      expect(await store.traceMessage('lone-1')).toMatchObject({ seen: false, event: null });
      // The one connection is usable again, and the rolled-back dedupe claim lets a retry store.
      expect((await store.ingest([track('lone-1', 'l', 1)])).map((o) => o.status)).toEqual(['stored']);
      expect((await store.listEvents({ limit: 10 })).data.map((e) => e.messageId)).toEqual(['lone-1']);
    } finally {
      await store.close();
    }
  });

  it('draws seqs in event order across a large request', async () => {
    const store = await createPostgresStore({ url: database.url, schema: database.freshSchema(), poolSize: 2 });
    try {
      const events = Array.from({ length: 300 }, (_, i) => track(`big-${i}`, `v-${i % 7}`, i % 60));
      expect((await store.ingest(events)).every((o) => o.status === 'stored')).toBe(true);
      const listed = (await store.listEvents({ limit: 500 })).data.map((e) => e.messageId);
      expect(listed).toEqual(events.map((e) => e.messageId).reverse());
    } finally {
      await store.close();
    }
  });
});
