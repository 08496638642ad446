import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WINDOW_MS, parseDuration } from './durations.js';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['10m', 600_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['400d', DEFAULT_MAX_WINDOW_MS],
    ['1s', 1000],
  ])('%s -> %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '0s', '1.5h', '10', 'd', '10w', '-5s', ' 5s', '5S', '1234567890s', '5 s'])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeNull(),
  );
});
