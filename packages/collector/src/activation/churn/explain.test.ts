import { describe, expect, it } from 'vitest';
import type { BgNbdParams } from './bgnbd.js';
import { explainChurn } from './explain.js';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('explainChurn', () => {
  it.each([
    [{ x: 4, tx: 12, T: 26 }, 'bought 5 times, last 14 weeks ago, usually every 3 weeks, so P(alive) = 0.33'],
    [{ x: 2, tx: 30.43, T: 38.86 }, 'bought 3 times, last 8 weeks ago, usually every 15 weeks, so P(alive) = 0.73'],
    [{ x: 1, tx: 1.71, T: 38.86 }, 'bought 2 times, last 37 weeks ago, usually every 12 days, so P(alive) = 0.21'],
    [{ x: 10, tx: 10, T: 10 }, 'bought 11 times, last less than a day ago, usually every 7 days, so P(alive) = 0.94'],
    [{ x: 30, tx: 3, T: 39 }, 'bought 31 times, last 36 weeks ago, usually every 1 day, so P(alive) < 0.01'],
  ])('explains %o', (customer, expected) => {
    expect(explainChurn(CDNOW, customer)).toBe(expected);
  });

  it('says why a customer who never bought again counts as alive', () => {
    expect(explainChurn(CDNOW, { x: 0, tx: 0, T: 6 })).toBe(
      'bought once, 6 weeks ago; with no repeat purchase there is no pace to compare against ' +
        '(the model lets a customer drop out only after a repeat purchase), so P(alive) = 1',
    );
  });
});
