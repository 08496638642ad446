/**
 * One profile's churn figures in plain words, so a marketer can check a
 * P(alive) against what they know of the customer: how often they bought,
 * how long ago, at what pace, and what the model concludes.
 */
import { type BgNbdCustomer, type BgNbdParams, probabilityAlive } from './bgnbd.js';

/**
 * @param customer x, t_x and T in weeks, as {@link summarizePurchases} gives them
 * @example
 * explainChurn({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { x: 4, tx: 12, T: 26 });
 * // 'bought 5 times, last 14 weeks ago, usually every 3 weeks, so P(alive) = 0.33'
 */
export function explainChurn(params: BgNbdParams, customer: BgNbdCustomer): string {
  const { x, tx, T } = customer;
  const pAlive = formatProbability(probabilityAlive(params, customer));
  if (x === 0) {
    return (
      `bought once, ${formatWeeks(T)} ago; with no repeat purchase there is no pace to compare against ` +
      `(the model lets a customer drop out only after a repeat purchase), so P(alive) ${pAlive}`
    );
  }
  return (
    `bought ${x + 1} times, last ${formatWeeks(T - tx)} ago, usually every ${formatWeeks(tx / x)}, ` +
    `so P(alive) ${pAlive}`
  );
}

/** "less than a day", "1 day", "9 days", "14 weeks": days below two weeks, whole weeks from there. */
function formatWeeks(weeks: number): string {
  const days = Math.round(weeks * 7);
  if (days === 0) return 'less than a day';
  if (days < 14) return days === 1 ? '1 day' : `${days} days`;
  return `${Math.round(weeks)} weeks`;
}

/** "= 0.33" with two decimals, but "< 0.01" and "> 0.99" rather than rounding to a certainty the model does not claim. */
function formatProbability(p: number): string {
  if (p === 0 || p === 1) return `= ${p}`;
  if (p < 0.005) return '< 0.01';
  if (p > 0.995) return '> 0.99';
  return `= ${p.toFixed(2)}`;
}
