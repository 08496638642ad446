/**
 * Activation with several collectors on one database, as two stores (each its
 * own pool and group commit) on one schema: due rows claimed at the same
 * instant go to one claimer each, and a profile re-evaluated or fed events by
 * both at once changes membership once, with one lifecycle event (the root
 * lock each evaluation holds; on ingest, identity's own root locks already
 * serialize the two requests).
 */
import type { AudienceDefinition } from '@exhaust/schema';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../../test/postgres.js';
import { messageHash } from '../../prepared-event.js';
import { makeIncomingEvent } from '../../store.contract.js';
import type { IncomingEvent, Store } from '../../store.js';
import { createPostgresStore } from '../postgres-store.js';

const clusterUrl = testPostgresUrl();
const HOUR_MS = 3_600_000;
const PROFILES = 60;
const CLAIM_LIMIT = 7;

const recentBuyers: AudienceDefinition = {
  key: 'recent_buyers',
  name: 'Recent buyers',
  condition: { event: 'Order Completed', within: '1h' },
};

function order(anonymousId: string, at: number): IncomingEvent {
  const timestamp = new Date(at).toISOString();
  return makeIncomingEvent({ timestamp, receivedAt: timestamp, message: { anonymousId } });
}

describe.skipIf(clusterUrl === null)('activation: two collectors on one PostgreSQL database', () => {
  let database: TestDatabase;
  let stores: Store[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
    stores = [];
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** Two stores on a fresh schema, the audience defined and live, `PROFILES` buyers ingested. */
  async function setUp(): Promise<{ a: Store; b: Store; profileIds: string[]; dueAt: number; schema: string }> {
    const schema = database.freshSchema();
    const a = await createPostgresStore({ url: database.url, schema, poolSize: 6 });
    const b = await createPostgresStore({ url: database.url, schema, poolSize: 6 });
    stores = [a, b];
    const { version } = await a.getDefinitions();
    await a.saveDefinition({
      kind: 'audience',
      definition: recentBuyers,
      mode: 'create',
      expectedVersion: version,
      now: Date.now(),
    });
    while ((await b.backfillStep({ now: Date.now(), limit: 100 })).remaining);
    const boughtAt = Date.now() - 1000;
    const outcomes = await Promise.all(
      Array.from({ length: PROFILES }, (_, i) => (i % 2 ? a : b).ingest([order(`buyer-${i}`, boughtAt)])),
    );
    return { a, b, profileIds: outcomes.map(([outcome]) => outcome!.profileId!), dueAt: boughtAt + HOUR_MS, schema };
  }

  it('never hands one due row to both claimers, and every row to one of them', async () => {
    const { a, b, profileIds, dueAt } = await setUp();
    const claimed: Record<string, string[]> = { a: [], b: [] };
    // Both claim in a loop at once, each many claims in flight, until nothing is left.
    const claimer = async (store: Store, owner: 'a' | 'b') => {
      for (;;) {
        const ids = await store.claimDue({ now: dueAt, owner, leaseMs: HOUR_MS, limit: CLAIM_LIMIT });
        if (ids.length === 0) return;
        claimed[owner]!.push(...ids);
      }
    };
    await Promise.all([claimer(a, 'a'), claimer(a, 'a'), claimer(b, 'b'), claimer(b, 'b')]);
    const all = [...claimed.a!, ...claimed.b!];
    expect(all).toHaveLength(PROFILES);
    expect(new Set(all)).toEqual(new Set(profileIds));
    // Both took part (SKIP LOCKED: neither waited for the other's rows).
    expect(claimed.a!.length).toBeGreaterThan(0);
    expect(claimed.b!.length).toBeGreaterThan(0);
  });

  it('exits each profile once when both re-evaluate the same claimed rows at once (a lease that ran out)', async () => {
    const { a, b, profileIds, dueAt } = await setUp();
    const first = await a.claimDue({ now: dueAt, owner: 'a', leaseMs: 1000, limit: PROFILES });
    const second = await b.claimDue({ now: dueAt + 1000, owner: 'b', leaseMs: 1000, limit: PROFILES });
    expect(new Set(first)).toEqual(new Set(profileIds));
    expect(new Set(second)).toEqual(new Set(profileIds));
    const counts = await Promise.all([
      a.reevaluate({ profileIds: first, owner: 'a', now: dueAt + 1500 }),
      b.reevaluate({ profileIds: second, owner: 'b', now: dueAt + 1500 }),
    ]);
    expect(counts).toEqual([PROFILES, PROFILES]);
    const changes = (await a.listAudienceChanges('recent_buyers', { limit: 1000 }))!.data;
    const exits = changes.filter((change) => change.change === 'exited');
    expect(exits).toHaveLength(PROFILES);
    expect(new Set(exits.map((exit) => exit.profileId))).toEqual(new Set(profileIds));
    expect(exits.every((exit) => exit.seq === 2 && exit.reason === 'time')).toBe(true);
    const lifecycle = await b.listEvents({ limit: 1000, event: 'Audience Exited' });
    expect(lifecycle.data).toHaveLength(PROFILES);
    expect(await a.audienceSizes()).toEqual({ recent_buyers: 0 });
    expect(await b.nextDueAt()).toBeNull();
  });

  it('enters a profile once when its events reach both collectors at once', async () => {
    const { a, b } = await setUp();
    const { version } = await a.getDefinitions();
    await a.saveDefinition({
      kind: 'audience',
      definition: {
        key: 'repeat',
        name: 'Repeat',
        condition: { event: 'Order Completed', count: { op: 'gte', value: 3 } },
      },
      mode: 'create',
      expectedVersion: version,
      now: Date.now(),
    });
    while ((await a.backfillStep({ now: Date.now(), limit: 100 })).remaining);
    // Each of 20 known buyers logs in, then orders twice more: once by anonymousId through one
    // collector and once by userId through the other, at once (no identifier lock in common).
    const people = Array.from({ length: 20 }, (_, i) => i);
    await a.ingest(
      people.map((i) =>
        makeIncomingEvent({ message: { type: 'identify', userId: `u-${i}`, anonymousId: `buyer-${i}` } }),
      ),
    );
    const byUser = (i: number) =>
      makeIncomingEvent({ timestamp: new Date().toISOString(), message: { userId: `u-${i}` } });
    await Promise.all(people.flatMap((i) => [a.ingest([order(`buyer-${i}`, Date.now())]), b.ingest([byUser(i)])]));
    const changes = (await a.listAudienceChanges('repeat', { limit: 1000 }))!.data;
    expect(changes).toHaveLength(people.length);
    expect(changes.every((change) => change.change === 'entered' && change.seq === 1)).toBe(true);
    expect(new Set(changes.map((change) => change.profileId)).size).toBe(people.length);
    expect((await a.listEvents({ limit: 1000, event: 'Audience Entered' })).data).toHaveLength(
      PROFILES + people.length,
    );
  });

  it('never hands out a changes cursor past a change another collector has yet to commit', async () => {
    const { a, b, schema } = await setUp();
    // x and y are known (evaluated, in no audience) before `buyers` exists.
    const [x] = await a.ingest([makeIncomingEvent({ message: { type: 'page', anonymousId: 'x' } })]);
    await b.ingest([makeIncomingEvent({ message: { type: 'page', anonymousId: 'y' } })]);
    const { version } = await a.getDefinitions();
    const saved = await a.saveDefinition({
      kind: 'audience',
      definition: { key: 'buyers', name: 'Buyers', condition: { event: 'Order Completed' } },
      mode: 'create',
      expectedVersion: version,
      now: Date.now(),
    });
    while ((await a.backfillStep({ now: Date.now(), limit: 100 })).remaining);
    const createdMs = Date.parse(saved.status === 'saved' ? saved.record.createdAt : '');
    // Another session holds the dedupe key of x's coming lifecycle event: a's transaction writes
    // x's change, then waits on that key, uncommitted, while b's change for y commits.
    const session = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
    await session.connect();
    try {
      await session.query('BEGIN');
      const hash = messageHash('exhaust', `exhaust-audience-buyers-${createdMs}-${x!.profileId}-1`);
      await session.query('INSERT INTO seen_message_ids (hash, seq, ts) VALUES ($1, 0, now())', [hash]);
      const xEnters = a.ingest([order('x', Date.now())]);
      for (;;) {
        const { rows } = await session.query("SELECT 1 FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted");
        if (rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const [y] = await b.ingest([order('y', Date.now())]);
      const first = (await a.listAudienceChanges('buyers', { limit: 10 }))!;
      expect(first.data.map((change) => change.profileId)).toEqual([y!.profileId]);
      await session.query('ROLLBACK');
      await xEnters;
      const next = (await b.listAudienceChanges('buyers', { limit: 10, since: first.nextCursor }))!;
      expect(next.data.map((change) => change.profileId)).toEqual([x!.profileId]);
    } finally {
      await session.end();
    }
  });
});
