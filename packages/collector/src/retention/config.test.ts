import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../config/config-schema.js';
import { MIN_EVENT_RETENTION_MS } from './config.js';

describe('config retention', () => {
  it('is off by default', () => {
    expect(parseConfigFile({}).retention).toEqual({ eventsMs: null });
    expect(parseConfigFile({ retention: {} }).retention).toEqual({ eventsMs: null });
  });

  it('takes a duration of at least 31 days', () => {
    expect(parseConfigFile({ retention: { events: '400d' } }).retention).toEqual({ eventsMs: 400 * 86_400_000 });
    expect(parseConfigFile({ retention: { events: '31d' } }).retention.eventsMs).toBe(MIN_EVENT_RETENTION_MS);
    expect(parseConfigFile({ retention: { events: '744h' } }).retention.eventsMs).toBe(MIN_EVENT_RETENTION_MS);
  });

  it.each([
    [{ events: '30d' }, /retention\.events: at least 31 days/],
    [{ events: '743h' }, /retention\.events: at least 31 days/],
    [{ events: '1y' }, /retention\.events: a duration such as "400d"/],
    [{ events: '0d' }, /retention\.events: a duration/],
    [{ events: 400 }, /retention\.events/],
    [{ profiles: '400d' }, /retention: Unrecognized key/],
  ])('refuses %j naming the field', (retention, message) => {
    expect(() => parseConfigFile({ retention })).toThrow(message);
  });
});
