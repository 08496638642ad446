/**
 * `GET /v1/stats/overview` (admin key): what the console's overview shows.
 * Composed from small store reads; the minute series are filled here so the
 * answer has one number per minute, empty minutes included.
 */
import type { MinuteSeries, OverviewStats } from '@exhaust/schema';
import { Hono } from 'hono';
import type { Store } from '../store/store.js';

const MINUTE_MS = 60_000;
/** Minutes in the overview's short and long series. */
export const OVERVIEW_HOUR_MINUTES = 60;
export const OVERVIEW_DAY_MINUTES = 24 * 60;
/** How far back the overview's warnings summary looks. */
export const OVERVIEW_WARNINGS_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Newest rejections the overview lists. */
export const OVERVIEW_REJECTIONS = 20;

/** `minutes` whole minutes ending with the one `now` is in, from a sparse minute -> count map. */
export function minuteSeries(counts: Record<string, number>, now: Date, minutes: number): MinuteSeries {
  const lastStart = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const start = lastStart - (minutes - 1) * MINUTE_MS;
  return {
    start: new Date(start).toISOString(),
    counts: Array.from(
      { length: minutes },
      (_, i) => counts[new Date(start + i * MINUTE_MS).toISOString().slice(0, 16)] ?? 0,
    ),
  };
}

export function createStatsRoutes({ store, now }: { store: Store; now: () => Date }): Hono {
  const app = new Hono();
  app.get('/v1/stats/overview', async (c) => {
    const at = now();
    const dayStart = minuteSeries({}, at, OVERVIEW_DAY_MINUTES).start;
    const [perMinute, totals, warnings, rejections, lastEvents, sources] = await Promise.all([
      store.countEventsPerMinute(dayStart),
      store.getTotals(),
      store.summarizeWarnings(new Date(at.getTime() - OVERVIEW_WARNINGS_WINDOW_MS).toISOString()),
      store.listRejections(OVERVIEW_REJECTIONS),
      store.lastEventPerSource(),
      store.listSources(),
    ]);
    const lastBySource = new Map(lastEvents.map((e) => [e.source, e]));
    const body: OverviewStats = {
      generatedAt: at.toISOString(),
      eventsPerMinute: {
        lastHour: minuteSeries(perMinute, at, OVERVIEW_HOUR_MINUTES),
        lastDay: minuteSeries(perMinute, at, OVERVIEW_DAY_MINUTES),
      },
      totals: {
        ...totals,
        identifiedShare: totals.profiles === 0 ? 0 : totals.identifiedProfiles / totals.profiles,
      },
      warnings,
      rejections,
      sources: sources.map((source) => {
        const last = lastBySource.get(source.id);
        return {
          id: source.id,
          name: source.name,
          enabled: source.enabled,
          lastEvent: last ? { messageId: last.messageId, type: last.type, receivedAt: last.receivedAt } : null,
        };
      }),
    };
    return c.json(body);
  });
  return app;
}
