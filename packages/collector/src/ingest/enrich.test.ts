import type { Message } from '@exhaust/schema';
import { describe, expect, it } from 'vitest';
import { clockCorrectionMs, correctTimestamp, enrichMessage } from './enrich.js';

const receivedAt = new Date('2026-11-25T12:00:00.000Z');
const ms = (iso: string) => Date.parse(iso);

const MIN = 60_000;

describe('clockCorrectionMs', () => {
  it.each([
    // transit and drift within the tolerance: no correction, so requests never reorder a client's calls
    [0, 0],
    [55, 0],
    [-43, 0],
    [2 * MIN, 0],
    [-2 * MIN, 0],
    // beyond it: the skew rounded to whole minutes, the same for every request of one wrong clock
    [2 * MIN + 1, 2 * MIN],
    [3600_000 + 43, 3600_000],
    [3600_000 + 55, 3600_000],
    [3600_000 + 17_000, 3600_000],
    [3600_000 + 31_000, 3600_000 + MIN],
    [-(5 * MIN + 43), -5 * MIN],
    [-(5 * MIN + 29_000), -5 * MIN],
  ])('skew %i ms -> %i ms', (skewMs, expected) => {
    expect(clockCorrectionMs(skewMs)).toBe(expected);
  });
});

describe('correctTimestamp', () => {
  it.each([
    // client clock 1 h behind: sentAt says 11:00 when it is 12:00
    ['2026-11-25T10:59:00.000Z', '2026-11-25T11:00:00.000Z', '2026-11-25T11:59:00.000Z'],
    // ... and the request took 48 ms: the shift stays 1 h
    ['2026-11-25T10:59:00.000Z', '2026-11-25T10:59:59.952Z', '2026-11-25T11:59:00.000Z'],
    // a right clock and 48 ms of transit: kept as sent
    ['2026-11-25T11:59:59.000Z', '2026-11-25T11:59:59.952Z', '2026-11-25T11:59:59.000Z'],
    // no sentAt: the timestamp is kept as sent
    ['2026-11-25T10:59:00.000Z', undefined, '2026-11-25T10:59:00.000Z'],
    // offsets are understood
    ['2026-11-25T13:59:00+02:00', '2026-11-25T14:00:00+02:00', '2026-11-25T11:59:00.000Z'],
  ])('timestamp %s sent at %s -> %s', (timestamp, sentAt, expected) => {
    expect(correctTimestamp(timestamp, sentAt, receivedAt.getTime())).toEqual({
      timestampMs: ms(expected),
      clampedFromMs: null,
    });
  });

  it('uses receivedAt when there is no timestamp', () => {
    expect(correctTimestamp(undefined, undefined, receivedAt.getTime()).timestampMs).toBe(receivedAt.getTime());
  });

  it('clamps more than 23 h ahead, not 22 h', () => {
    expect(correctTimestamp('2026-11-26T10:00:00.000Z', undefined, receivedAt.getTime()).clampedFromMs).toBeNull();
    expect(correctTimestamp('2026-11-26T11:00:00.001Z', undefined, receivedAt.getTime())).toEqual({
      timestampMs: receivedAt.getTime(),
      clampedFromMs: ms('2026-11-26T11:00:00.001Z'),
    });
  });
});

describe('enrichMessage', () => {
  const track = (extra: Record<string, unknown> = {}) =>
    ({ type: 'track', event: 'x', anonymousId: 'a', ...extra }) as Message;

  it('adds receivedAt, keeps originalTimestamp and generates a missing messageId', () => {
    const result = enrichMessage(track({ timestamp: '2026-11-25T10:59:00.000Z' }), {
      receivedAt,
      envelopeSentAt: '2026-11-25T11:00:00.000Z',
      requestIp: null,
      ipPolicy: 'keep',
    });
    expect(result.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.message).toMatchObject({
      messageId: result.messageId,
      timestamp: '2026-11-25T11:59:00.000Z',
      originalTimestamp: '2026-11-25T10:59:00.000Z',
      sentAt: '2026-11-25T11:00:00.000Z',
      receivedAt: '2026-11-25T12:00:00.000Z',
    });
    expect(result.warnings).toEqual([]);
  });

  it('warns when it clamps a future timestamp', () => {
    const result = enrichMessage(track({ timestamp: '2027-01-01T00:00:00.000Z' }), {
      receivedAt,
      requestIp: null,
      ipPolicy: 'keep',
    });
    expect(result.timestamp).toBe(receivedAt.toISOString());
    expect(result.warnings).toEqual([{ code: 'timestamp_clamped_future', detail: '2027-01-01T00:00:00.000Z' }]);
  });

  it.each([
    ['keep', '198.51.100.23'],
    ['truncate', '198.51.100.0'],
    ['drop', undefined],
  ] as const)('ip policy %s', (ipPolicy, expected) => {
    const fromRequest = enrichMessage(track(), { receivedAt, requestIp: '198.51.100.23', ipPolicy });
    expect(fromRequest.message.context?.ip).toBe(expected);
    const fromClient = enrichMessage(track({ context: { ip: '198.51.100.23' } }), {
      receivedAt,
      requestIp: '10.0.0.1',
      ipPolicy,
    });
    expect(fromClient.message.context?.ip).toBe(expected);
  });
});
