/**
 * Several collectors on one database, as several stores (each its own pool
 * and group commit) on one schema: migrations run once, and identity stays
 * right when the events that decide it go to different collectors at once.
 * The invariants checked after a random concurrent load are the ones a race
 * would break: one owner per identifier, canonical ids that are roots, no
 * profile over a limit, every event stored exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityConfigSchema } from '../../identity/config.js';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../test/postgres.js';
import { makeIncomingEvent } from '../store.contract.js';
import type { IncomingEvent, IngestOutcome, Store } from '../store.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { createPostgresStore } from './postgres-store.js';

const clusterUrl = testPostgresUrl();
let database: TestDatabase;

/** Small limits, so that a race on a limit has room to show. */
const identity = identityConfigSchema.parse({ limits: { anonymousId: 4, email: 2 } });

async function collectors(n: number, schema: string): Promise<Store[]> {
  return Promise.all(
    Array.from({ length: n }, () => createPostgresStore({ url: database.url, schema, poolSize: 4, identity })),
  );
}

async function query<T>(schema: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every structural invariant of the identity graph; answers the violations found (none expected). */
async function violations(schema: string): Promise<string[]> {
  const found: string[] = [];
  const check = async (name: string, sql: string) => {
    const rows = await query<Record<string, unknown>>(schema, sql);
    if (rows.length > 0) found.push(`${name}: ${JSON.stringify(rows.slice(0, 3))}`);
  };
  await check(
    'canonical id is not a root',
    'SELECT f.id FROM id_fragments f JOIN id_fragments r ON r.id = f.canonical_id WHERE r.canonical_id <> r.id',
  );
  await check(
    'merged_into outside the component',
    `SELECT f.id FROM id_fragments f JOIN id_fragments p ON p.id = f.merged_into WHERE p.canonical_id <> f.canonical_id`,
  );
  await check('root with a parent', 'SELECT id FROM id_fragments WHERE canonical_id = id AND merged_into IS NOT NULL');
  await check(
    'more userIds than 1 in a profile',
    `SELECT f.canonical_id, count(*) FROM id_identifiers i JOIN id_fragments f ON f.id = i.fragment_id
     WHERE i.type = 'userId' GROUP BY f.canonical_id HAVING count(*) > 1`,
  );
  await check(
    'more anonymousIds than the limit in a profile',
    `SELECT f.canonical_id, count(*) FROM id_identifiers i JOIN id_fragments f ON f.id = i.fragment_id
     WHERE i.type = 'anonymousId' GROUP BY f.canonical_id HAVING count(*) > 4`,
  );
  await check(
    'more emails than the limit in a profile',
    `SELECT f.canonical_id, count(*) FROM id_identifiers i JOIN id_fragments f ON f.id = i.fragment_id
     WHERE i.type = 'email' GROUP BY f.canonical_id HAVING count(*) > 2`,
  );
  await check('an event stored twice', 'SELECT message_id FROM events GROUP BY source, message_id HAVING count(*) > 1');
  await check(
    'an event whose fragment does not exist',
    'SELECT e.seq FROM events e LEFT JOIN id_fragments f ON f.id = e.fragment_id WHERE e.fragment_id IS NOT NULL AND f.id IS NULL',
  );
  return found;
}

const closeAll = (stores: Store[]) => Promise.all(stores.map((store) => store.close()));

/** A seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe.skipIf(clusterUrl === null)('postgres store: several collectors on one database', () => {
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('migrates once when three collectors start at once', async () => {
    const schema = database.freshSchema();
    const stores = await collectors(3, schema);
    const versions = await query<{ version: number }>(schema, 'SELECT version FROM schema_version ORDER BY version');
    expect(versions.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    await closeAll(stores);
    // A fourth, later, finds nothing to do.
    await (await collectors(1, schema))[0]!.close();
    expect(await query(schema, 'SELECT version FROM schema_version')).toHaveLength(POSTGRES_MIGRATIONS.length);
  });

  it('the same new anonymousId sent to three collectors at once makes one profile', async () => {
    const stores = await collectors(3, database.freshSchema());
    for (let round = 0; round < 20; round += 1) {
      const outcomes = await Promise.all(
        stores.map((store) => store.ingest([makeIncomingEvent({ message: { anonymousId: `first-${round}` } })])),
      );
      expect(new Set(outcomes.map(([o]) => o!.profileId)).size).toBe(1);
    }
    expect((await stores[0]!.listProfiles({ limit: 100 })).data).toHaveLength(20);
    await closeAll(stores);
  });

  it('logins of one user on many devices, sent to different collectors at once, end in one profile', async () => {
    const schema = database.freshSchema();
    const stores = await collectors(3, schema);
    const devices = Array.from({ length: 4 }, (_, i) => `device-${i}`);
    await Promise.all(
      devices.map((anonymousId, i) => stores[i % 3]!.ingest([makeIncomingEvent({ message: { anonymousId } })])),
    );
    const logins = await Promise.all(
      devices.map((anonymousId, i) =>
        stores[(i + 1) % 3]!.ingest([
          makeIncomingEvent({ message: { type: 'identify', userId: 'u-many', anonymousId, traits: {} } }),
        ]),
      ),
    );
    expect(logins.flat().every((o) => o.status === 'stored')).toBe(true);
    const profile = await stores[2]!.getProfile({ type: 'userId', value: 'u-many' });
    expect(profile?.identifiers.map((i) => i.value).sort()).toEqual([...devices, 'u-many'].sort());
    for (const anonymousId of devices) {
      expect((await stores[0]!.getProfile({ type: 'anonymousId', value: anonymousId }))?.id).toBe(profile!.id);
    }
    expect(await violations(schema)).toEqual([]);
    await closeAll(stores);
  });

  it('two users logging in on one device at once through two collectors are never merged', async () => {
    const schema = database.freshSchema();
    const stores = await collectors(2, schema);
    for (let round = 0; round < 10; round += 1) {
      const shared = `kiosk-${round}`;
      const [[a], [b]] = (await Promise.all([
        stores[0]!.ingest([
          makeIncomingEvent({ message: { type: 'identify', userId: `ua-${round}`, anonymousId: shared } }),
        ]),
        stores[1]!.ingest([
          makeIncomingEvent({ message: { type: 'identify', userId: `ub-${round}`, anonymousId: shared } }),
        ]),
      ])) as [IngestOutcome[], IngestOutcome[]];
      expect(a!.profileId).not.toBe(b!.profileId);
      // Whichever came second found the device owned by the other user and contested it.
      const contested = [a!, b!].filter((o) => o.warnings.some((w) => w.code === 'identifier_contested'));
      expect(contested).toHaveLength(1);
    }
    expect(await violations(schema)).toEqual([]);
    await closeAll(stores);
  });

  it('two merges of one profile through different identifiers on two collectors at once never both happen', async () => {
    const schema = database.freshSchema();
    const stores = await collectors(2, schema);
    const identify = (message: Record<string, unknown>) =>
      makeIncomingEvent({ message: { type: 'identify', traits: {}, ...message } });
    for (let round = 0; round < 10; round += 1) {
      // Oldest first: Q (user q), P (device p + email), R (user r).
      await stores[0]!.ingest([identify({ userId: `q-${round}`, anonymousId: `qa-${round}` })]);
      await stores[0]!.ingest([identify({ anonymousId: `p-${round}`, traits: { email: `p${round}@x.io` } })]);
      await stores[0]!.ingest([identify({ userId: `r-${round}`, anonymousId: `ra-${round}` })]);
      // Alone, each merges P: into Q (Q is older), or R into P (P is older). After one, the
      // other would join two users, so it must be refused.
      await Promise.all([
        stores[0]!.ingest([identify({ userId: `q-${round}`, anonymousId: `p-${round}` })]),
        stores[1]!.ingest([identify({ userId: `r-${round}`, traits: { email: `p${round}@x.io` } })]),
      ]);
      const q = await stores[0]!.getProfile({ type: 'userId', value: `q-${round}` });
      const r = await stores[0]!.getProfile({ type: 'userId', value: `r-${round}` });
      expect(q!.id).not.toBe(r!.id);
    }
    expect(await violations(schema)).toEqual([]);
    await closeAll(stores);
  });

  it('keeps every invariant under a random concurrent load on three collectors', async () => {
    const schema = database.freshSchema();
    const stores = await collectors(3, schema);
    const next = random(14);
    const pick = (n: number) => Math.floor(next() * n);
    const event = (): IncomingEvent => {
      const message: Record<string, unknown> = { type: 'track', event: 'x', anonymousId: `anon-${pick(30)}` };
      const roll = next();
      if (roll < 0.35) {
        message.type = 'identify';
        message.userId = `user-${pick(8)}`;
        message.traits = next() < 0.5 ? { email: `e${pick(10)}@shop.example`, plan: pick(3) } : { plan: pick(3) };
      } else if (roll < 0.45) {
        message.context = { traits: { email: `e${pick(10)}@shop.example` } };
      }
      return makeIncomingEvent({ message });
    };
    const sent: IncomingEvent[] = [];
    const requests = Array.from({ length: 120 }, () => {
      const events = Array.from({ length: 1 + pick(4) }, event);
      sent.push(...events);
      return events;
    });
    const outcomes = await Promise.all(requests.map((events, i) => stores[i % 3]!.ingest(events)));
    expect(outcomes.flat().filter((o) => o.status === 'stored')).toHaveLength(sent.length);
    expect(await violations(schema)).toEqual([]);
    const [{ n }] = (await query<{ n: number }>(schema, 'SELECT count(*)::int AS n FROM events')) as [{ n: number }];
    expect(n).toBe(sent.length);
    // Every answered profile id still resolves (to itself or to the profile it was merged into).
    for (const id of new Set(outcomes.flat().map((o) => o.profileId))) {
      if (id !== null) expect(await stores[0]!.getProfile({ id })).not.toBeNull();
    }
    await closeAll(stores);
  });

  it('an erasure racing with new events of the same person on another collector leaves nothing behind', async () => {
    const schema = database.freshSchema();
    const stores = await collectors(2, schema);
    await stores[0]!.ingest([
      makeIncomingEvent({ message: { type: 'identify', userId: 'u-gone', anonymousId: 'a-gone', traits: {} } }),
    ]);
    const later = Array.from({ length: 30 }, () => makeIncomingEvent({ message: { anonymousId: 'a-gone' } }));
    const [erased, ...outcomes] = await Promise.all([
      stores[0]!.erase({ type: 'userId', value: 'u-gone' }, { suppress: true }),
      ...later.map((e) => stores[1]!.ingest([e])),
    ]);
    expect(erased).not.toBeNull();
    // Each event either landed before the erasure (and was erased with it) or was suppressed after.
    const statuses = new Set((outcomes as IngestOutcome[][]).map(([o]) => o!.status));
    expect([...statuses].every((s) => s === 'stored' || s === 'suppressed')).toBe(true);
    expect(await stores[1]!.getProfile({ type: 'anonymousId', value: 'a-gone' })).toBeNull();
    expect(await query(schema, "SELECT * FROM id_identifiers WHERE value IN ('a-gone', 'u-gone')")).toEqual([]);
    for (const e of later) {
      const stored = await stores[1]!.getEvent(e.messageId);
      expect(stored).toBeNull();
    }
    await closeAll(stores);
  });
});
