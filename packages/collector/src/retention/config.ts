/**
 * The config file's `retention` block: how long events are kept. Off by
 * default (events are kept for ever); `{ "events": "400d" }` removes events
 * whose corrected timestamp is older than that. Profiles, traits and merges
 * are never removed by retention: they are the golden record.
 */
import { z } from 'zod';
import { parseDuration } from '../activation/durations.js';

const DAY_MS = 86_400_000;

/**
 * Shortest event retention accepted: 31 days. PostgreSQL drops whole months, so a shorter
 * setting could not be honoured there; it also keeps a month of events for debugging ingest.
 */
export const MIN_EVENT_RETENTION_MS = 31 * DAY_MS;

export interface RetentionConfig {
  /** Events older than this (by corrected timestamp) are removed; null keeps them for ever. */
  eventsMs: number | null;
}

export const retentionConfigSchema = z
  .strictObject({
    /** A duration such as "400d"; at least `MIN_EVENT_RETENTION_MS` (31 days). */
    events: z
      .string()
      .refine((text) => parseDuration(text) !== null, 'a duration such as "400d", "90d"')
      .refine(
        (text) => (parseDuration(text) ?? Number.POSITIVE_INFINITY) >= MIN_EVENT_RETENTION_MS,
        `at least ${MIN_EVENT_RETENTION_MS / DAY_MS} days ("31d"): PostgreSQL drops whole months`,
      )
      .optional(),
  })
  .transform(({ events }): RetentionConfig => ({ eventsMs: events === undefined ? null : parseDuration(events) }));

export const DEFAULT_RETENTION_CONFIG: RetentionConfig = { eventsMs: null };
