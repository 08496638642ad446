import { describe, expect, it } from 'vitest';
import { classifyStatus } from './classify-status.js';

describe('classifyStatus', () => {
  it.each([
    [200, 'ok'],
    [202, 'ok'],
    [204, 'ok'],
    [400, 'drop'],
    [401, 'drop'],
    [403, 'drop'],
    [404, 'drop'],
    [408, 'retry'],
    [413, 'drop'],
    [422, 'drop'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [599, 'retry'],
    [301, 'drop'],
  ] as const)('HTTP %i -> %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});
