/**
 * What the console reads from PostgreSQL (the SQLite store's activity.ts,
 * same answers): recent rejections (a bounded table), the live stream's cursor
 * reads, a message's trace, events per minute, totals, warnings per code and
 * each source's last event. Time ranges are found by a binary search on the
 * arrival order (events.seq, ingestion_warnings.id), which follows the
 * received time, instead of an index on it that every ingested event would pay for.
 */
import type { MessageDecision, MessageType, RecentRejection, StreamedEvent, WarningCode } from '@exhaust/schema';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { messageHash } from '../prepared-event.js';
import { type RejectionRow, toRecentRejection } from '../rows.js';
import {
  type EventsAfter,
  type EventsAfterQuery,
  type EventTotals,
  type LastEvent,
  MAX_RECENT_REJECTIONS,
  type MessageTrace,
} from '../store.js';
import { EVENT_COLUMNS, type EventRow, getEvent, toStoredEvent } from './events.js';
import type { Queryable } from './pool.js';

/** SQL of migration version 4's console part. */
export const ACTIVITY_MIGRATION_SQL = `
  -- The newest rejected messages (MAX_RECENT_REJECTIONS): why, where, from which source. Never the payload.
  CREATE TABLE ingestion_rejections (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    message_id text,
    code text NOT NULL,
    path text NOT NULL,   -- JSON array
    message text NOT NULL,
    at text NOT NULL
  );
  CREATE INDEX ingestion_rejections_message ON ingestion_rejections (message_id) WHERE message_id IS NOT NULL;
`;

/** Inside a write transaction: appends, then forgets all but the newest `MAX_RECENT_REJECTIONS`. */
export async function recordRejections(db: Queryable, rejections: RecentRejection[]): Promise<void> {
  await db.query(
    `INSERT INTO ingestion_rejections (source, message_id, code, path, message, at)
     SELECT source, message_id, code, path, message, at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
       AS r(source, message_id, code, path, message, at, n) ORDER BY n`,
    [
      rejections.map((r) => r.source),
      rejections.map((r) => r.messageId),
      rejections.map((r) => r.code),
      rejections.map((r) => JSON.stringify(r.path)),
      rejections.map((r) => r.message),
      rejections.map((r) => r.at),
    ],
  );
  await db.query('DELETE FROM ingestion_rejections WHERE id <= (SELECT max(id) FROM ingestion_rejections) - $1', [
    MAX_RECENT_REJECTIONS,
  ]);
}

export async function listRejections(db: Queryable, limit: number): Promise<RecentRejection[]> {
  const { rows } = await db.query<RejectionRow>('SELECT * FROM ingestion_rejections ORDER BY id DESC LIMIT $1', [
    limit,
  ]);
  return rows.map(toRecentRejection);
}

/**
 * Events after a cursor, oldest first, up to the head read in the same snapshot.
 * NOTE: seqs come from a sequence shared by every collector, and a group that took
 * a seq may commit after a later seq is already visible; a stream reading then can
 * pass over that event (a live view, not a delivery log: webhooks are the delivery log).
 */
export async function readEventsAfter(db: Queryable, query: EventsAfterQuery): Promise<EventsAfter> {
  const head = Number((await db.query<{ s: string | null }>('SELECT max(seq) AS s FROM events')).rows[0]?.s ?? 0);
  if (query.after === null) return { data: [], cursor: encodeCursor(head) };
  const after = decodeCursor(query.after);
  const params: unknown[] = [after, head];
  const where = ['e.seq > $1', 'e.seq <= $2'];
  for (const [column, value] of [
    ['type', query.type],
    ['event', query.event],
    ['source', query.source],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`e.${column} = $${params.length}`);
  }
  params.push(query.limit);
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.seq LIMIT $${params.length}`,
    params,
  );
  const data: StreamedEvent[] = rows.map((row) => ({ ...toStoredEvent(row), cursor: encodeCursor(Number(row.seq)) }));
  // A full page resumes after its last row; otherwise every row up to the head was looked at.
  const last = rows.length === query.limit ? Number(rows.at(-1)!.seq) : head;
  return { data, cursor: encodeCursor(Math.max(after, last)) };
}

export async function traceMessage(db: Queryable, messageId: string): Promise<MessageTrace> {
  const sources = (await db.query<{ name: string }>('SELECT name FROM event_sources')).rows.map((r) => r.name);
  const seen =
    sources.length > 0 &&
    ((
      await db.query('SELECT 1 FROM seen_message_ids WHERE hash = ANY($1::bytea[]) LIMIT 1', [
        sources.map((name) => messageHash(name, messageId)),
      ])
    ).rowCount ?? 0) > 0;
  const decisions = (
    await db.query<MessageDecision>(
      'SELECT source, code, detail, at FROM ingestion_warnings WHERE message_id = $1 ORDER BY id',
      [messageId],
    )
  ).rows;
  const rejections = (
    await db.query<RejectionRow>('SELECT * FROM ingestion_rejections WHERE message_id = $1 ORDER BY id DESC', [
      messageId,
    ])
  ).rows.map(toRecentRejection);
  return { event: await getEvent(db, messageId), seen, decisions, rejections };
}

/**
 * The first key of `table` whose `column` is at or after `since`, assuming the
 * column grows with the key (arrival order); null when none is.
 */
async function firstKeyAtOrAfter(
  db: Queryable,
  table: string,
  key: string,
  column: string,
  since: string,
): Promise<number | null> {
  const bounds = (
    await db.query<{ lo: string | null; hi: string | null }>(
      `SELECT min(${key}) AS lo, max(${key}) AS hi FROM ${table}`,
    )
  ).rows[0]!;
  if (bounds.lo === null || bounds.hi === null) return null;
  const at = async (k: number) =>
    (
      await db.query<{ k: string; v: string }>(
        `SELECT ${key} AS k, ${column} AS v FROM ${table} WHERE ${key} >= $1 ORDER BY ${key} LIMIT 1`,
        [k],
      )
    ).rows[0]!;
  let lo = Number(bounds.lo);
  let hi = Number(bounds.hi);
  if ((await at(hi)).v < since) return null;
  // Invariant: the row at or after `hi` is at or after `since`.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = await at(mid);
    if (row.v >= since) hi = Math.min(mid, Number(row.k));
    else lo = Number(row.k) + 1;
  }
  return Number((await at(lo)).k);
}

export async function countEventsPerMinute(db: Queryable, since: string): Promise<Record<string, number>> {
  const from = await firstKeyAtOrAfter(db, 'events', 'seq', 'received_at', since);
  if (from === null) return {};
  const { rows } = await db.query<{ minute: string; n: string }>(
    `SELECT substr(received_at, 1, 16) AS minute, count(*) AS n FROM events
     WHERE seq >= $1 AND received_at >= $2 GROUP BY minute`,
    [from, since],
  );
  return Object.fromEntries(rows.map((row) => [row.minute, Number(row.n)]));
}

export async function totals(db: Queryable): Promise<EventTotals> {
  const { rows } = await db.query<{ events: string; profiles: string; identified: string }>(
    `SELECT (SELECT count(*) FROM events) AS events,
            (SELECT count(*) FROM id_fragments WHERE canonical_id = id AND holding_for IS NULL) AS profiles,
            (SELECT count(DISTINCT f.canonical_id) FROM id_identifiers i JOIN id_fragments f ON f.id = i.fragment_id
              WHERE i.type = 'userId') AS identified`,
  );
  const row = rows[0]!;
  return { events: Number(row.events), profiles: Number(row.profiles), identifiedProfiles: Number(row.identified) };
}

export async function summarizeWarnings(
  db: Queryable,
  since: string,
): Promise<{ code: WarningCode; count: number; lastAt: string }[]> {
  const from = await firstKeyAtOrAfter(db, 'ingestion_warnings', 'id', 'at', since);
  if (from === null) return [];
  const { rows } = await db.query<{ code: WarningCode; count: string; lastAt: string }>(
    `SELECT code, count(*) AS count, max(at) AS "lastAt" FROM ingestion_warnings
     WHERE id >= $1 AND at >= $2 GROUP BY code ORDER BY count(*) DESC, code`,
    [from, since],
  );
  return rows.map((row) => ({ code: row.code, count: Number(row.count), lastAt: row.lastAt }));
}

/** NOTE: a source silent for long scans back to its last event (events_source index); fine for tens of sources. */
export async function lastEventPerSource(db: Queryable): Promise<LastEvent[]> {
  const { rows } = await db.query<{ source: string; message_id: string; type: MessageType; received_at: string }>(
    `SELECT s.name AS source, l.message_id, l.type, l.received_at FROM event_sources s
     CROSS JOIN LATERAL (SELECT message_id, type, received_at FROM events WHERE source = s.name
                         ORDER BY seq DESC LIMIT 1) l
     ORDER BY s.name`,
  );
  return rows.map((row) => ({
    source: row.source,
    messageId: row.message_id,
    type: row.type,
    receivedAt: row.received_at,
  }));
}
