/**
 * The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and
 * −1 < z < 1, which is all BG/NBD needs (its argument is t/(α+T+t) in [0, 1)).
 * No maintained npm package provides it, so it is the power series
 *
 *   ₂F₁(a, b; c; z) = Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) · zⁿ
 *
 * summed until a term no longer moves the sum, with two safeguards:
 *
 * - **Which series.** For large n the n-th term behaves like n^(a+b−c−1)·zⁿ.
 *   When c − a − b < 0 the terms first *grow* polynomially before zⁿ wins: for
 *   BG/NBD's E[Y(t)] (a+b−c = r+1−a+x) that is n^x, which overflows a double
 *   for a few hundred repeat purchases and loses all precision well before.
 *   Those cases use Euler's transformation
 *     ₂F₁(a, b; c; z) = (1−z)^(c−a−b) · ₂F₁(c−a, c−b; c; z),
 *   whose series has exponent a+b−c−1 of the opposite sign, so its terms only
 *   decay, and the growth moves into the closed-form factor (1−z)^(c−a−b),
 *   taken in logarithms. When c − a − b ≥ 0 the direct series is used.
 * - **Scale.** The sum is kept as mantissa × e^logScale, rescaled whenever it
 *   passes {@link HYP2F1_RESCALE_ABOVE}, so a value beyond the double range is
 *   still returned exactly as a logarithm by {@link logHyp2f1}.
 *
 * Both series converge like zⁿ; at most {@link HYP2F1_MAX_TERMS} terms are summed
 * (z = 0.9999 needs about 4·10⁵) and a {@link RangeError} is thrown beyond.
 */

/** Summation stops once a term is below this fraction of the sum, twice in a row. */
export const HYP2F1_RELATIVE_TOLERANCE = 1e-16;
/** The most series terms summed before giving up with a RangeError. */
export const HYP2F1_MAX_TERMS = 2_000_000;
/** Above this magnitude the running sum is rescaled (its logarithm moves into the scale). */
const HYP2F1_RESCALE_ABOVE = 1e200;
const LOG_RESCALE = Math.log(HYP2F1_RESCALE_ABOVE);

/** Which series evaluated ₂F₁: the direct one, or the one after Euler's transformation. */
export type Hyp2f1Method = 'direct' | 'euler';

/** ₂F₁ as sign × e^log, so a value beyond the double range is still exact. */
export interface Hyp2f1Result {
  /** ln |₂F₁(a, b; c; z)|; −Infinity when the value is 0. */
  log: number;
  /** −1, 0 or 1. */
  sign: number;
  method: Hyp2f1Method;
  /** Series terms summed. */
  terms: number;
}

/**
 * ln |₂F₁(a, b; c; z)| with its sign, for −1 < z < 1.
 * `method` forces a series (for tests); by default Euler's is used exactly when c − a − b < 0.
 * @throws RangeError when z is outside (−1, 1), c is 0 or a negative integer, or the series does not converge within {@link HYP2F1_MAX_TERMS} terms.
 * @example
 * logHyp2f1(1, 1, 2, 0.5).log; // ln(2 ln 2) ≈ 0.3266
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, method?: Hyp2f1Method): Hyp2f1Result {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError('hyp2f1: parameters must be finite numbers');
  if (!(z > -1 && z < 1)) throw new RangeError(`hyp2f1: z must lie in (-1, 1), got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c must not be 0 or a negative integer, got ${c}`);
  const chosen = method ?? (c - a - b < 0 ? 'euler' : 'direct');
  if (chosen === 'direct') return { ...series(a, b, c, z), method: chosen };
  const transformed = series(c - a, c - b, c, z);
  // (1−z)^(c−a−b) > 0 for z < 1, so only the series carries a sign.
  const log = transformed.sign === 0 ? -Infinity : transformed.log + (c - a - b) * Math.log1p(-z);
  return { log, sign: transformed.sign, terms: transformed.terms, method: chosen };
}

/**
 * ₂F₁(a, b; c; z) for −1 < z < 1 (Infinity when it exceeds the double range; see {@link logHyp2f1}).
 * @example
 * hyp2f1(1, 1, 2, 0.5); // −ln(0.5)/0.5 ≈ 1.3863
 */
export function hyp2f1(a: number, b: number, c: number, z: number, method?: Hyp2f1Method): number {
  const { log, sign } = logHyp2f1(a, b, c, z, method);
  return sign * Math.exp(log);
}

function series(a: number, b: number, c: number, z: number): { log: number; sign: number; terms: number } {
  let sum = 1;
  let term = 1;
  let logScale = 0;
  let quiet = 0;
  for (let n = 0; n < HYP2F1_MAX_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    // A term of exactly 0 means a or b is a non-positive integer: the series is a polynomial and has ended.
    if (term === 0) return finish(sum, logScale, n + 1);
    if (Math.abs(term) <= HYP2F1_RELATIVE_TOLERANCE * Math.abs(sum)) {
      // Two quiet terms in a row, so a term that happens to be small while the
      // terms are still growing (a sign change of (a+n) or (b+n)) does not stop it.
      quiet += 1;
      if (quiet >= 2) return finish(sum, logScale, n + 1);
    } else {
      quiet = 0;
    }
    if (Math.abs(sum) > HYP2F1_RESCALE_ABOVE || Math.abs(term) > HYP2F1_RESCALE_ABOVE) {
      sum /= HYP2F1_RESCALE_ABOVE;
      term /= HYP2F1_RESCALE_ABOVE;
      logScale += LOG_RESCALE;
    }
  }
  throw new RangeError(`hyp2f1: series for (${a}, ${b}; ${c}; ${z}) did not converge within ${HYP2F1_MAX_TERMS} terms`);
}

function finish(sum: number, logScale: number, terms: number): { log: number; sign: number; terms: number } {
  return {
    log: sum === 0 ? -Number.POSITIVE_INFINITY : Math.log(Math.abs(sum)) + logScale,
    sign: Math.sign(sum),
    terms,
  };
}
