/**
 * CSV for email service providers' suppression lists, both ways. Reading uses
 * `csv-parse` (quoted fields, embedded commas and newlines, CRLF, a BOM from
 * spreadsheet exports, with the line of each record), which is more than a
 * hand-written splitter gets right; writing needs only RFC 4180 quoting.
 *
 * Columns: `channel,address,topic,status,since,source` on export; import reads
 * `channel`, `address`, `status` and optionally `topic` and `at` (or `since`,
 * so an export imports back as it was).
 */
import { SUBSCRIPTION_CHANNELS, type SubscriptionChannel, type SubscriptionStatus } from '@exhaust/schema';
import { CsvError, parse } from 'csv-parse/sync';
import type { IdentityConfig } from '../identity/config.js';
import { normalizeAddress } from './address.js';
import { MAX_TOPIC_KEY_LENGTH, type SubscriptionChange, TOPIC_STATUSES } from './model.js';

/** Most data rows in one import. */
export const MAX_IMPORT_ROWS = 100_000;
export const EXPORT_COLUMNS = ['channel', 'address', 'topic', 'status', 'since', 'source'] as const;
const REQUIRED_COLUMNS = ['channel', 'address', 'status'];
/** Statuses an import may set on a channel: bounces and complaints come from the sender's reports. */
const IMPORT_CHANNEL_STATUSES: readonly SubscriptionStatus[] = [
  'subscribed',
  'unsubscribed',
  'none',
  'bounced',
  'complained',
];

export type ImportRow =
  | { line: number; ok: true; change: SubscriptionChange; message?: undefined }
  | { line: number; ok: false; message: string; change?: undefined };

export class CsvImportError extends Error {
  override readonly name = 'CsvImportError';
}

/**
 * Parses an import file into changes (source `import`) and per-line problems.
 * Throws CsvImportError when the file itself is unusable (not CSV, a required
 * column missing, too many rows).
 * @param now the time of rows without `at`/`since`.
 */
export function parseImportCsv(text: string, config: IdentityConfig, now: Date): ImportRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as typeof records;
  } catch (error) {
    const message = error instanceof CsvError ? error.message : String(error);
    throw new CsvImportError(`the body is not valid CSV: ${message}`);
  }
  if (records.length > MAX_IMPORT_ROWS) throw new CsvImportError(`at most ${MAX_IMPORT_ROWS} rows per import`);
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missing = REQUIRED_COLUMNS.filter((column) => !header.includes(column));
  if (records.length > 0 && missing.length > 0) {
    throw new CsvImportError(`the header lacks ${missing.join(', ')} (columns: channel,address,status[,topic][,at])`);
  }
  return records.map(({ record, info }) => rowOf(record, info.lines, config, now));
}

function rowOf(record: Record<string, string>, line: number, config: IdentityConfig, now: Date): ImportRow {
  const fail = (message: string): ImportRow => ({ line, ok: false, message });
  const channel = (record.channel ?? '').toLowerCase() as SubscriptionChannel;
  if (!SUBSCRIPTION_CHANNELS.includes(channel))
    return fail(`channel must be one of ${SUBSCRIPTION_CHANNELS.join(', ')}`);
  const address = normalizeAddress(channel, record.address, config);
  if (!address.ok) return fail(`address ${address.message}`);
  const topic = record.topic ? record.topic : null;
  if (topic !== null && topic.length > MAX_TOPIC_KEY_LENGTH)
    return fail(`topic is longer than ${MAX_TOPIC_KEY_LENGTH}`);
  const status = (record.status ?? '').toLowerCase() as SubscriptionStatus;
  const allowed: readonly SubscriptionStatus[] = topic === null ? IMPORT_CHANNEL_STATUSES : TOPIC_STATUSES;
  if (!allowed.includes(status)) return fail(`status must be one of ${allowed.join(', ')}`);
  const when = record.at || record.since;
  const atMs = when ? Date.parse(when) : now.getTime();
  if (Number.isNaN(atMs)) return fail('at is not an ISO 8601 date-time');
  return {
    line,
    ok: true,
    change: {
      channel,
      address: address.address,
      topic,
      status,
      source: 'import',
      at: new Date(atMs).toISOString(),
      proof: null,
    },
  };
}

const QUOTE_NEEDED = /[",\r\n]/;

/** One CSV line (with its CRLF), fields quoted when they must be. */
export function csvLine(fields: readonly (string | null)[]): string {
  return `${fields
    .map((field) => {
      const text = field ?? '';
      return QUOTE_NEEDED.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',')}\r\n`;
}
