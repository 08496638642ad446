import { describe, expect, it } from 'vitest';
import { applyIpPolicy, truncateIp } from './ip.js';

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['::1', '0:0:0::'],
    ['fe80::1%eth0', 'fe80:0:0::'],
    ['not an ip', null],
  ])('%s -> %s', (input, expected) => {
    expect(truncateIp(input)).toBe(expected);
  });
});

describe('applyIpPolicy', () => {
  it('keeps, truncates or drops', () => {
    expect(applyIpPolicy('198.51.100.9', 'keep')).toBe('198.51.100.9');
    expect(applyIpPolicy('198.51.100.9', 'truncate')).toBe('198.51.100.0');
    expect(applyIpPolicy('198.51.100.9', 'drop')).toBeNull();
    expect(applyIpPolicy(null, 'keep')).toBeNull();
  });
});
