/**
 * Which events a `listEvents` page holds (issue 8, item 10). Each indexed
 * filter has an index that yields its events newest first (`seq` descending),
 * so a first page reads about `limit` index entries however large the table:
 *
 * - `profile`: `events_fragment (fragment_id, seq)`, one walk per fragment of
 *   the merged profile, merged here (SQLite would sort the whole profile);
 * - `userId`, `anonymousId`: partial expression indexes on the payload field;
 * - `source`: `events_source (source, seq)`.
 *
 * Property equality has no index (any field may be asked): it is evaluated on
 * the rows the other filters yield, newest first, and a call examines at most
 * `maxPropertyScanRows` rows; a page may then be short, with a cursor to go on.
 */
import type { Database } from 'better-sqlite3';
import type { EventQuery, PropertyValue } from '../store.js';

/** Rows a property-filtered `listEvents` call examines at most, across all its index walks. */
export const MAX_PROPERTY_SCAN_ROWS = 100_000;

// NOTE: migration 4 creates the indexes from these expressions, and a query uses an
// expression index only when it writes the same expression: one definition for both.
const USER_ID_EXPR = "json_extract(payload, '$.userId')";
const ANONYMOUS_ID_EXPR = "json_extract(payload, '$.anonymousId')";

/** The event indexes of migration 4 (also timed on a large table by `bench/event-filters.bench.mjs`). */
export const EVENT_FILTER_INDEXES_SQL = `
  -- Partial: anonymous-only events have no userId, server events often no anonymousId.
  CREATE INDEX events_user_id ON events (${USER_ID_EXPR}, seq) WHERE ${USER_ID_EXPR} IS NOT NULL;
  CREATE INDEX events_anonymous_id ON events (${ANONYMOUS_ID_EXPR}, seq) WHERE ${ANONYMOUS_ID_EXPR} IS NOT NULL;
  CREATE INDEX events_source ON events (source, seq);
`;

/** SQL of migration version 4. */
export const EVENT_FILTERS_MIGRATION_SQL = `
  ${EVENT_FILTER_INDEXES_SQL}
  -- Drops per suppression entry: last_dropped_seq is the seq the dropped event was given,
  -- unique per drop, so it orders and pages the stats.
  ALTER TABLE id_suppressions ADD COLUMN last_dropped_at TEXT;
  ALTER TABLE id_suppressions ADD COLUMN last_dropped_seq INTEGER;
  CREATE INDEX id_suppressions_last_dropped ON id_suppressions (last_dropped_seq)
    WHERE last_dropped_seq IS NOT NULL;
  CREATE INDEX id_suppressions_deletion ON id_suppressions (deletion_id);
`;

/** The seqs of one page, newest first, and where the next page starts (exclusive), if anywhere. */
export interface EventPageSeqs {
  seqs: number[];
  next: number | null;
}

export interface EventPageOptions {
  /** Only events with a smaller seq (the decoded cursor); default: all. */
  before?: number;
  /** Fragments of `query.profile`, resolved by the caller; undefined when there is no profile filter. */
  fragments?: number[];
  maxPropertyScanRows?: number;
}

/** JSON path of a dotted property path; segments are quoted so that spaces or `$` need no escaping. */
function propertyPath(dotted: string): string {
  return `$.properties${dotted
    .split('.')
    .map((segment) => `."${segment}"`)
    .join('')}`;
}

/** SQL (and its parameters) that is 1 when the payload's property equals the value as JSON. */
function propertyTest(dotted: string, value: PropertyValue): { sql: string; params: unknown[] } {
  const path = propertyPath(dotted);
  if (value === null || typeof value === 'boolean') {
    return { sql: 'json_type(payload, ?) = ?', params: [path, value === null ? 'null' : String(value)] };
  }
  if (typeof value === 'number') {
    // json_extract answers true/false as 1/0: the type test keeps `=1` from matching `true`.
    return {
      sql: "(json_type(payload, ?) IN ('integer', 'real') AND json_extract(payload, ?) = ?)",
      params: [path, path, value],
    };
  }
  // A JSON string extracts as TEXT, which never equals a number: no type test needed.
  return { sql: 'json_extract(payload, ?) = ?', params: [path, value] };
}

interface Walk {
  hits: number[];
  /** Last seq examined when the walk stopped early (every seq >= it was examined); null when it ran out. */
  stoppedAt: number | null;
}

interface EventScan {
  sql: string;
  /** Arguments of one walk: below `before`, of `fragment` when the profile filter is on, at most `rows` rows. */
  args(before: number, fragment: number | null, rows: number): unknown[];
  hasPropertyTests: boolean;
}

/**
 * The statement of one walk. Every indexed filter but the leading one is
 * written `+expr` so the planner cannot pick a less selective index (`source`,
 * shared by most events) over a person's.
 */
function planEventScan(query: EventQuery, byFragment: boolean): EventScan {
  const lead = byFragment ? 'fragment' : query.userId ? 'userId' : query.anonymousId ? 'anonymousId' : 'source';
  const where: string[] = ['seq < ?'];
  const params: unknown[] = [];
  const add = (name: string, sql: string, value: unknown) => {
    where.push(name === lead ? sql : `+${sql}`);
    params.push(value);
  };
  if (query.userId !== undefined) add('userId', `${USER_ID_EXPR} = ?`, query.userId);
  if (query.anonymousId !== undefined) add('anonymousId', `${ANONYMOUS_ID_EXPR} = ?`, query.anonymousId);
  if (query.source !== undefined) add('source', 'source = ?', query.source);
  if (query.type) add('type', 'type = ?', query.type);
  if (query.event) add('event', 'event = ?', query.event);
  if (query.since) add('since', 'ts >= ?', query.since);
  if (query.until) add('until', 'ts < ?', query.until);
  if (byFragment) where.push('fragment_id = ?');

  const tests = Object.entries(query.properties ?? {}).map(([path, value]) => propertyTest(path, value));
  const hitSql = tests.length ? tests.map((t) => t.sql).join(' AND ') : '1';
  const hitParams = tests.flatMap((t) => t.params);
  return {
    sql: `SELECT seq, ${hitSql} AS hit FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
    args: (before, fragment, rows) => [...hitParams, before, ...params, ...(fragment === null ? [] : [fragment]), rows],
    hasPropertyTests: tests.length > 0,
  };
}

/**
 * SQLite's plan for the walk `selectEventPage` runs (one line per step), to
 * show which index a filter uses (tests and `bench/event-filters.bench.mjs`).
 */
export function explainEventPage(db: Database, query: EventQuery, options: EventPageOptions = {}): string[] {
  const scan = planEventScan(query, options.fragments !== undefined);
  const fragment = options.fragments ? (options.fragments[0] ?? 0) : null;
  const args = scan.args(Number.MAX_SAFE_INTEGER, fragment, query.limit + 1);
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${scan.sql}`).all(...args) as { detail: string }[];
  return rows.map((row) => row.detail);
}

/** The seqs of the page `query` asks for. */
export function selectEventPage(db: Database, query: EventQuery, options: EventPageOptions = {}): EventPageSeqs {
  const { fragments } = options;
  if (fragments?.length === 0) return { seqs: [], next: null };
  const scan = planEventScan(query, fragments !== undefined);
  const statement = db.prepare(scan.sql).raw();
  const wanted = query.limit + 1;
  const before = options.before ?? Number.MAX_SAFE_INTEGER;
  const walks = (fragments ?? [null]).length;
  // Without property tests every row examined is a hit: a walk needs `wanted` rows at most.
  const rowsPerWalk = scan.hasPropertyTests
    ? Math.max(wanted, Math.ceil((options.maxPropertyScanRows ?? MAX_PROPERTY_SCAN_ROWS) / walks))
    : wanted;

  const walk = (fragment: number | null): Walk => {
    const hits: number[] = [];
    let examined = 0;
    let last: number | null = null;
    for (const [seq, hit] of statement.iterate(...scan.args(before, fragment, rowsPerWalk)) as IterableIterator<
      [number, number]
    >) {
      examined += 1;
      last = seq;
      if (hit === 1) {
        hits.push(seq);
        if (hits.length === wanted) break;
      }
    }
    return { hits, stoppedAt: hits.length === wanted || examined === rowsPerWalk ? last : null };
  };

  const results = (fragments ?? [null]).map(walk);
  // Below the highest early stop, some walk has not looked yet: the page ends there.
  const stops = results.flatMap((r) => (r.stoppedAt === null ? [] : [r.stoppedAt]));
  const floor = stops.length ? Math.max(...stops) : null;
  const seqs = results
    .flatMap((r) => r.hits)
    .filter((seq) => floor === null || seq >= floor)
    .sort((a, b) => b - a);
  if (seqs.length > query.limit) {
    const page = seqs.slice(0, query.limit);
    return { seqs: page, next: page.at(-1)! };
  }
  return { seqs, next: floor };
}
