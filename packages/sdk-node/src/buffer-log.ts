/**
 * The record format of the disk buffer's log: one line per record,
 * `<crc32 hex> <json>\n`, where the json is `{"p":QueuedEvent}` (an event was
 * captured) or `{"d":[ids]}` (events were acknowledged or dropped). The
 * checksum lets a reader tell a torn or garbled line from a record, whatever
 * bytes a crash or power loss left behind.
 */

import { crc32 } from 'node:zlib';
import type { QueuedEvent } from '@exhaust/core';

export type LogRecord = { p: QueuedEvent } | { d: string[] };

const hex = (text: string) => crc32(text).toString(16).padStart(8, '0');

/** One record as a complete line, newline included. */
export function encodeRecord(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${hex(json)} ${json}\n`;
}

/** The record on one line (without its newline), or null when the line is torn, garbled or not ours. */
export function decodeRecord(line: string): LogRecord | null {
  const space = line.indexOf(' ');
  if (space !== 8) return null;
  const json = line.slice(space + 1);
  if (hex(json) !== line.slice(0, space)) return null;
  try {
    const record = JSON.parse(json) as Partial<{ p: QueuedEvent; d: string[] }>;
    if (record.p && typeof record.p.id === 'string' && record.p.message) return { p: record.p };
    if (Array.isArray(record.d)) return { d: record.d };
  } catch {
    // A matching checksum over invalid JSON cannot come from encodeRecord: treat it as garbage.
  }
  return null;
}

/**
 * Splits a log file's text into records. A last line without its newline is
 * a torn write (the process died mid-append) and is never applied.
 */
export function parseLog(text: string): { records: LogRecord[]; corrupt: number } {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const records: LogRecord[] = [];
  let corrupt = tail === '' ? 0 : 1;
  for (const line of lines) {
    if (line === '') continue;
    const record = decodeRecord(line);
    if (record) records.push(record);
    else corrupt += 1;
  }
  return { records, corrupt };
}
