import { describe, expect, it } from 'vitest';
import { hyp2f1, logHyp2f1 } from './hyp2f1.js';

/** Relative error, so one tolerance serves values from 1 to 1e92. */
function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('hyp2f1 closed forms', () => {
  const closedForms: Array<[string, number, number, number, number, number]> = [
    ['2F1(1,1;2;z) = -ln(1-z)/z at 0.5', 1, 1, 2, 0.5, -Math.log(0.5) / 0.5],
    ['2F1(1,1;2;z) = -ln(1-z)/z at 0.99', 1, 1, 2, 0.99, -Math.log(0.01) / 0.99],
    ['2F1(1,1;2;z) = -ln(1-z)/z at -0.7', 1, 1, 2, -0.7, -Math.log(1.7) / -0.7],
    ['2F1(a,b;b;z) = (1-z)^-a, a = 2.5', 2.5, 1.7, 1.7, 0.6, 0.4 ** -2.5],
    ['2F1(a,b;b;z) = (1-z)^-a, a = -1.3', -1.3, 4, 4, 0.3, 0.7 ** 1.3],
    ['2F1(1/2,1/2;3/2;z^2) = asin(z)/z', 0.5, 0.5, 1.5, 0.81, Math.asin(0.9) / 0.9],
    ['2F1(1/2,1;3/2;z^2) = atanh(z)/z', 0.5, 1, 1.5, 0.64, Math.atanh(0.8) / 0.8],
    ['2F1(1/2,1;3/2;-z^2) = atan(z)/z', 0.5, 1, 1.5, -0.25, Math.atan(0.5) / 0.5],
    // A polynomial: the series ends after the third term.
    [
      '2F1(-2,b;c;z) = 1 - 2bz/c + b(b+1)z^2/(c(c+1))',
      -2,
      1.5,
      2.5,
      0.4,
      1 - (2 * 1.5 * 0.4) / 2.5 + (1.5 * 2.5 * 0.16) / (2.5 * 3.5),
    ],
    // d/dz of -ln(1-z)/z, times c/(ab) = 2/1: a case (c-a-b = -1) that takes the Euler branch.
    ['2F1(2,2;3;z) = 2[1/(z(1-z)) + ln(1-z)/z^2]', 2, 2, 3, 0.7, 2 * (1 / (0.7 * 0.3) + Math.log(0.3) / 0.49)],
  ];
  it.each(closedForms)('%s', (_name, a, b, c, z, expected) => {
    expect(relativeError(hyp2f1(a, b, c, z), expected)).toBeLessThan(1e-13);
  });

  it('is 1 at z = 0', () => {
    expect(hyp2f1(3.3, 1.2, 0.4, 0)).toBe(1);
  });
});

describe('hyp2f1 against mpmath (30 digits)', () => {
  // Values from mpmath.hyp2f1 at mp.dps = 30; the first five are BG/NBD shapes on the CDNOW parameters.
  const reference: Array<[number, number, number, number, number]> = [
    [0.243, 2.426, 2.219, 0.5, 0.18821830926204305],
    [2.243, 4.426, 4.219, 39 / (4.414 + 38.86 + 39), 1.5206757450090225],
    [50.243, 52.426, 52.219, 13 / (4.414 + 38.86 + 13), 13.250416936557333],
    [500.243, 502.426, 502.219, 13 / (4.414 + 20 + 13), 213.6359302794673],
    [1.5, -0.3, 2.7, -0.8, 0.10809746578621436],
    [3.2, 1.1, 0.7, 0.95, 11.503195062684556],
    [0.5, 0.5, 1.5, 0.9999, 0.44524605262447503],
  ];
  it.each(reference)('ln 2F1(%f, %f; %f; %f) = %f', (a, b, c, z, expectedLog) => {
    const result = logHyp2f1(a, b, c, z);
    expect(result.sign).toBe(1);
    expect(Math.abs(result.log - expectedLog)).toBeLessThan(1e-11 * Math.max(1, Math.abs(expectedLog)));
  });
});

describe('hyp2f1 series choice', () => {
  it('uses the direct series when c - a - b >= 0 and the Euler transform otherwise', () => {
    expect(logHyp2f1(1, 1, 2, 0.5).method).toBe('direct');
    expect(logHyp2f1(0.5, 0.5, 1.5, 0.5).method).toBe('direct');
    expect(logHyp2f1(2.243, 4.426, 4.219, 0.4).method).toBe('euler');
  });

  it('gives the same value by both series where both are well conditioned', () => {
    for (const [a, b, c, z] of [
      [2.243, 4.426, 4.219, 0.47],
      [0.243, 2.426, 2.219, 0.8],
      [1.5, -0.3, 2.7, -0.8],
    ] as const) {
      const direct = logHyp2f1(a, b, c, z, 'direct');
      const euler = logHyp2f1(a, b, c, z, 'euler');
      expect(Math.abs(direct.log - euler.log)).toBeLessThan(1e-12);
    }
  });

  it('returns a logarithm beyond the double range instead of overflowing', () => {
    // 2F1(a,b;b;z) = (1-z)^-a = 10^500 at z = 0.9.
    const result = logHyp2f1(500, 3, 3, 0.9);
    expect(result.log).toBeCloseTo(500 * Math.log(10), 9);
    expect(hyp2f1(500, 3, 3, 0.9)).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps the direct series finite where its terms would overflow a double', () => {
    // Forced direct: terms grow like n^1000 before z^n wins, far past 1e308; the rescaled sum still agrees with Euler.
    const a = 1000.243;
    const b = 1002.426;
    const c = 1002.219;
    const z = 0.3;
    const direct = logHyp2f1(a, b, c, z, 'direct');
    const euler = logHyp2f1(a, b, c, z);
    expect(euler.method).toBe('euler');
    expect(Number.isFinite(direct.log)).toBe(true);
    expect(Math.abs(direct.log - euler.log) / euler.log).toBeLessThan(1e-10);
  });

  it('rejects arguments outside its domain', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, -1.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, Number.NaN, 2, 0.5)).toThrow(RangeError);
  });
});
