/**
 * Events in PostgreSQL: the partitioned table, dedupe, warnings, and the
 * event reads of the Store port.
 */
import type { EventWarning, MessageType, Page, StoredEvent } from '@exhaust/schema';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { PreparedEvent } from '../prepared-event.js';
import { messageHash } from '../prepared-event.js';
import type { EventQuery, PageQuery, PropertyValue } from '../store.js';
import type { Queryable } from './pool.js';

/** The source of events the collector writes itself (the SQLite store's `EXHAUST_SOURCE`). */
export const SYSTEM_EVENT_SOURCE = 'exhaust';

/** SQL of migration version 1. */
export const EVENTS_MIGRATION_SQL = `
  -- Arrival order across every collector sharing the database (and the pagination key).
  CREATE SEQUENCE event_seq AS bigint;

  -- Immutable events, partitioned by month of the corrected timestamp (partitions are
  -- created on demand, see partitions.ts). payload is json, not jsonb: it keeps the
  -- message exactly as stored (key order, and \\u0000 escapes, which jsonb refuses).
  CREATE TABLE events (
    seq bigint NOT NULL,
    source text NOT NULL,
    message_id text NOT NULL,
    type text NOT NULL,
    event text,
    ts timestamptz NOT NULL,
    received_at text NOT NULL,
    fragment_id bigint,
    payload json NOT NULL
  ) PARTITION BY RANGE (ts);
  -- The admin reads: newest first by seq, optionally by type/event; a profile's timeline.
  CREATE INDEX events_seq ON events (seq);
  CREATE INDEX events_type_event_seq ON events (type, event, seq);
  CREATE INDEX events_fragment_seq ON events (fragment_id, seq) WHERE fragment_id IS NOT NULL;

  -- Dedupe: one row per (source, messageId) ever accepted, hashed, never deleted (not even by
  -- erasure: a replay cannot resurrect erased data). Not partitioned, so the primary key is
  -- the unique constraint across every month. seq and ts find the event (ts prunes partitions).
  CREATE TABLE seen_message_ids (
    hash bytea PRIMARY KEY,
    seq bigint NOT NULL,
    ts timestamptz NOT NULL
  );

  -- Every source that ever sent, so an event can be looked up by messageId alone.
  CREATE TABLE event_sources (
    name text PRIMARY KEY
  );

  -- Decisions that dropped or changed something, per event.
  CREATE TABLE ingestion_warnings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    message_id text NOT NULL,
    code text NOT NULL,
    detail text,
    at text NOT NULL
  );
  CREATE INDEX ingestion_warnings_message ON ingestion_warnings (message_id);
`;

/**
 * Claims the dedupe rows of `events` (a run of one request's events) in one statement; answers
 * each event's new seq, in event order, or null when its (source, messageId) was seen before,
 * by an earlier request or earlier in this run (a repeat answers `duplicate` like the first
 * would have on a second send). The seqs are drawn first and handed out sorted, so seq order
 * is event order within the run whatever order PostgreSQL draws them in.
 */
export async function claimMessages(db: Queryable, events: readonly PreparedEvent[]): Promise<(number | null)[]> {
  const firsts = new Map<string, number>();
  events.forEach((event, index) => {
    const key = hexOf(event.hash);
    if (!firsts.has(key)) firsts.set(key, index);
  });
  const claimed = [...firsts.values()].map((index) => events[index]!);
  const { rows } = await db.query<{ hash: Buffer; seq: number }>({
    name: 'claim_messages',
    text: `WITH drawn AS (SELECT nextval('event_seq') AS seq FROM generate_series(1, cardinality($1::bytea[]))),
                ranked AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM drawn)
           INSERT INTO seen_message_ids (hash, seq, ts)
           SELECT i.hash, r.seq, i.ts
             FROM unnest($1::bytea[], $2::timestamptz[]) WITH ORDINALITY AS i(hash, ts, n) JOIN ranked r USING (n)
            ORDER BY i.n
           ON CONFLICT (hash) DO NOTHING RETURNING hash, seq`,
    values: [claimed.map((event) => event.hash), claimed.map((event) => event.timestamp)],
  });
  const seqs = new Map(rows.map((row) => [hexOf(row.hash), row.seq]));
  return events.map((event, index) => {
    const key = hexOf(event.hash);
    return firsts.get(key) === index ? (seqs.get(key) ?? null) : null;
  });
}

const hexOf = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** An event row to insert: the event, its claimed seq and the fragment it is attributed to. */
export interface EventRowInput {
  event: PreparedEvent;
  seq: number;
  fragmentId: number | null;
}

/** Inserts event rows in one statement (payloads go as text and are cast, so they stay byte-identical). */
export async function insertEvents(db: Queryable, rows: readonly EventRowInput[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query({
    name: 'insert_events',
    text: `INSERT INTO events (seq, source, message_id, type, event, ts, received_at, fragment_id, payload)
           SELECT seq, source, message_id, type, event, ts, received_at, fragment_id, payload::json
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                         $7::text[], $8::bigint[], $9::text[])
                  AS r(seq, source, message_id, type, event, ts, received_at, fragment_id, payload)`,
    values: [
      rows.map((r) => r.seq),
      rows.map((r) => r.event.source),
      rows.map((r) => r.event.messageId),
      rows.map((r) => r.event.type),
      rows.map((r) => r.event.eventName),
      rows.map((r) => r.event.timestamp),
      rows.map((r) => r.event.receivedAt),
      rows.map((r) => r.fragmentId),
      rows.map((r) => r.event.payload),
    ],
  });
}

/** Warnings of one event, to record with others in one statement. */
export interface WarningRowsInput {
  event: PreparedEvent;
  warnings: readonly EventWarning[];
}

/** Records warnings in one statement, in the order given (their ids keep it: reads order by id). */
export async function recordWarnings(db: Queryable, of: readonly WarningRowsInput[]): Promise<void> {
  const rows = of.flatMap(({ event, warnings }) => warnings.map((warning) => ({ event, warning })));
  if (rows.length === 0) return;
  await db.query({
    name: 'record_warnings',
    text: `INSERT INTO ingestion_warnings (source, message_id, code, detail, at)
           SELECT source, message_id, code, detail, at
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                  WITH ORDINALITY AS w(source, message_id, code, detail, at, n)
            ORDER BY n`,
    values: [
      rows.map((r) => r.event.source),
      rows.map((r) => r.event.messageId),
      rows.map((r) => r.warning.code),
      rows.map((r) => r.warning.detail),
      rows.map((r) => r.event.receivedAt),
    ],
  });
}

/** Records that `source` has sent (idempotent). */
export async function recordSource(db: Queryable, source: string): Promise<void> {
  await db.query({
    name: 'record_source',
    text: 'INSERT INTO event_sources (name) VALUES ($1) ON CONFLICT DO NOTHING',
    values: [source],
  });
}

/**
 * An event the collector writes itself (audience lifecycle, subscription
 * change) on a profile's timeline, inside the caller's transaction: it takes a
 * seq and a dedupe row like any event, under the source `exhaust`, whose events
 * never trigger evaluation. The month partition of `event.at` must exist: the
 * store ensures the current month's before every write that may append.
 */
export async function appendSystemEvent(
  db: Queryable,
  event: { fragmentId: number; messageId: string; eventName: string; at: string; receivedAt?: string; payload: string },
): Promise<number> {
  await recordSource(db, SYSTEM_EVENT_SOURCE);
  const { rows } = await db.query<{ seq: number }>({
    name: 'claim_system_message',
    text: `INSERT INTO seen_message_ids (hash, seq, ts) VALUES ($1, nextval('event_seq'), $2) RETURNING seq`,
    values: [messageHash(SYSTEM_EVENT_SOURCE, event.messageId), event.at],
  });
  const seq = rows[0]!.seq;
  await db.query({
    name: 'insert_system_event',
    text: `INSERT INTO events (seq, source, message_id, type, event, ts, received_at, fragment_id, payload)
           VALUES ($1, $2, $3, 'track', $4, $5, $6, $7, $8)`,
    values: [
      seq,
      SYSTEM_EVENT_SOURCE,
      event.messageId,
      event.eventName,
      event.at,
      event.receivedAt ?? event.at,
      event.fragmentId,
      event.payload,
    ],
  });
  return seq;
}

export interface EventRow {
  seq: number;
  source: string;
  message_id: string;
  type: MessageType;
  received_at: string;
  profile_id: string | null;
  warnings: EventWarning[] | null;
  payload: StoredEvent['message'];
}

/** The columns of a StoredEvent: its canonical profile and warnings joined in, in one query. */
export const EVENT_COLUMNS = `e.seq, e.source, e.message_id, e.type, e.received_at, e.payload,
  (SELECT r.public_id FROM id_fragments f JOIN id_fragments r ON r.id = f.canonical_id
    WHERE f.id = e.fragment_id) AS profile_id,
  (SELECT json_agg(json_build_object('code', w.code, 'detail', w.detail) ORDER BY w.id)
    FROM ingestion_warnings w WHERE w.message_id = e.message_id AND w.source = e.source) AS warnings`;

export const toStoredEvent = (row: EventRow): StoredEvent => ({
  messageId: row.message_id,
  type: row.type,
  source: row.source,
  receivedAt: row.received_at,
  profileId: row.profile_id,
  warnings: row.warnings ?? [],
  message: row.payload,
});

function page(rows: EventRow[], limit: number): Page<StoredEvent> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { data: pageRows.map(toStoredEvent), nextCursor: more && last ? encodeCursor(last.seq) : null };
}

/** Rows a property-filtered `listEvents` call examines at most (property values have no index). */
export const MAX_PROPERTY_SCAN_ROWS = 100_000;

/**
 * Migration 4's event indexes: each indexed filter yields its events newest first, so a page
 * reads about `limit` index entries. Partial: anonymous-only events have no userId.
 */
export const EVENT_FILTERS_MIGRATION_SQL = `
  CREATE INDEX events_user_id ON events ((payload->>'userId'), seq) WHERE payload->>'userId' IS NOT NULL;
  CREATE INDEX events_anonymous_id ON events ((payload->>'anonymousId'), seq)
    WHERE payload->>'anonymousId' IS NOT NULL;
  CREATE INDEX events_source ON events (source, seq);
`;

/** SQL that is true when the property at the dotted path equals the value as JSON (`12` = `12.0`, never `"12"`). */
function propertyTest(path: string[], value: PropertyValue, param: (value: unknown) => string): string {
  const at = `e.payload #> ${param(['properties', ...path])}::text[]`;
  if (value === null) return `json_typeof(${at}) = 'null'`;
  const text = `e.payload #>> ${param(['properties', ...path])}::text[]`;
  if (typeof value === 'boolean') return `(json_typeof(${at}) = 'boolean' AND ${text} = ${param(String(value))}::text)`;
  if (typeof value === 'number') {
    return `(json_typeof(${at}) = 'number' AND (${text})::numeric = ${param(value)}::numeric)`;
  }
  return `(json_typeof(${at}) = 'string' AND ${text} = ${param(value)}::text)`;
}

/**
 * A page of events, newest first. `fragments` is the profile filter's merged profile, resolved
 * by the caller (undefined when there is none). Property tests examine at most
 * `MAX_PROPERTY_SCAN_ROWS` rows per call: a page may then be short, with a cursor to go on.
 */
export async function listEvents(
  db: Queryable,
  query: EventQuery,
  fragments?: number[],
  maxPropertyScanRows: number = MAX_PROPERTY_SCAN_ROWS,
): Promise<Page<StoredEvent>> {
  if (fragments?.length === 0) return { data: [], nextCursor: null };
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.cursor) where.push(`e.seq < ${param(decodeCursor(query.cursor))}`);
  if (query.type) where.push(`e.type = ${param(query.type)}`);
  if (query.event) where.push(`e.event = ${param(query.event)}`);
  if (query.since) where.push(`e.ts >= ${param(query.since)}`);
  if (query.until) where.push(`e.ts < ${param(query.until)}`);
  if (query.userId !== undefined) where.push(`e.payload->>'userId' = ${param(query.userId)}`);
  if (query.anonymousId !== undefined) where.push(`e.payload->>'anonymousId' = ${param(query.anonymousId)}`);
  if (query.source !== undefined) where.push(`e.source = ${param(query.source)}`);
  if (fragments) where.push(`e.fragment_id = ANY(${param(fragments)}::bigint[])`);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const tests = Object.entries(query.properties ?? {}).map(([path, value]) =>
    propertyTest(path.split('.'), value, param),
  );
  if (tests.length === 0) {
    const { rows } = await db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e ${whereSql} ORDER BY e.seq DESC LIMIT ${param(query.limit + 1)}`,
      params,
    );
    return page(rows, query.limit);
  }
  const scanBound = Math.max(query.limit + 1, maxPropertyScanRows);
  const scanned = `SELECT e.seq, (${tests.join(' AND ')}) AS hit FROM events e ${whereSql}
    ORDER BY e.seq DESC LIMIT ${param(scanBound)}`;
  const scanParams = [...params];
  // NOTE: the outer query has no ORDER BY so that it stops at `limit + 1` hits while the inner
  // scan streams newest first (a sort would read the whole bound); the seqs are sorted below.
  const hits = (
    await db.query<{ seq: string }>(
      `SELECT s.seq FROM (${scanned}) s WHERE s.hit LIMIT ${param(query.limit + 1)}`,
      params,
    )
  ).rows
    .map((row) => Number(row.seq))
    .sort((a, b) => b - a);
  let next: number | null = null;
  if (hits.length > query.limit) {
    hits.length = query.limit;
    next = hits.at(-1)!;
  } else {
    // Short page: it ends where the scan stopped if the bound cut it, else nothing is left.
    const bound = (
      await db.query<{ n: string; floor: string | null }>(
        `SELECT count(*) AS n, min(s.seq) AS floor FROM (${scanned}) s`,
        scanParams,
      )
    ).rows[0]!;
    if (Number(bound.n) === scanBound && bound.floor !== null) next = Number(bound.floor);
  }
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.seq = ANY($1::bigint[]) ORDER BY e.seq DESC`,
    [hits],
  );
  return { data: rows.map(toStoredEvent), nextCursor: next === null ? null : encodeCursor(next) };
}

export async function getEvent(db: Queryable, messageId: string, source?: string): Promise<StoredEvent | null> {
  const sources =
    source === undefined
      ? (await db.query<{ name: string }>('SELECT name FROM event_sources')).rows.map((r) => r.name)
      : [source];
  if (sources.length === 0) return null;
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM seen_message_ids s JOIN events e ON e.seq = s.seq AND e.ts = s.ts
     WHERE s.hash = ANY($1::bytea[]) ORDER BY e.seq LIMIT 1`,
    [sources.map((name) => messageHash(name, messageId))],
  );
  return rows[0] ? toStoredEvent(rows[0]) : null;
}

/** A merged profile's timeline, newest first. */
export async function listFragmentEvents(
  db: Queryable,
  fragments: number[],
  query: PageQuery,
): Promise<Page<StoredEvent>> {
  const before = query.cursor ? decodeCursor(query.cursor) : Number.MAX_SAFE_INTEGER;
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.fragment_id = ANY($1::bigint[]) AND e.seq < $2
     ORDER BY e.seq DESC LIMIT $3`,
    [fragments, before, query.limit + 1],
  );
  return page(rows, query.limit);
}
