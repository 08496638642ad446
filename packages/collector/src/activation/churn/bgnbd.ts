/**
 * The BG/NBD model of Fader, Hardie and Lee (2005), "Counting Your Customers
 * the Easy Way", Marketing Science 24(2): while alive a customer buys at a
 * Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
 * probability p ~ Beta(a, b). Every function here is pure and takes time in
 * one unit (weeks in Exhaust): α, t_x, T and t must share it.
 *
 * Formulas as in the paper and lifetimes' `BetaGeoFitter`:
 *   P(alive | x, t_x, T) = 1 / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 *   E[X(t)]              = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))]
 *   E[Y(t) | x, t_x, T]  = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *                          · P(alive | x, t_x, T)
 * The ₂F₁ products are taken in logarithms (see {@link logHyp2f1}), so a
 * customer with thousands of purchases gets a finite answer.
 */
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';
import { logHyp2f1 } from './hyp2f1.js';

/** The four BG/NBD parameters: Gamma(r, α) purchase rates, Beta(a, b) dropout probabilities. */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One customer's summary: x repeat purchases, the last at t_x, observed for T, from the first purchase. */
export interface BgNbdCustomer {
  x: number;
  tx: number;
  T: number;
}

/**
 * ln L of one customer (Fader, Hardie and Lee 2005, equation 6).
 * @example
 * customerLogLikelihood({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { x: 2, tx: 30.43, T: 38.86 });
 */
export function customerLogLikelihood(params: BgNbdParams, customer: BgNbdCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = customer;
  const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
  const a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return a1 + a2 + logAddExp(a3, a4);
}

/**
 * ln L of all customers: the sum of {@link customerLogLikelihood}.
 * @example
 * logLikelihood(params, customers); // −9582.43 on CDNOW at the published parameters
 */
export function logLikelihood(params: BgNbdParams, customers: readonly BgNbdCustomer[]): number {
  let total = 0;
  for (const customer of customers) total += customerLogLikelihood(params, customer);
  return total;
}

/**
 * ln L of all customers and its gradient with respect to (ln r, ln α, ln a, ln b),
 * the coordinates the fit moves in. Each partial derivative is p · ∂ln L/∂p.
 */
export function logLikelihoodWithGradient(
  params: BgNbdParams,
  customers: readonly BgNbdCustomer[],
): { value: number; gradient: [number, number, number, number] } {
  const { r, alpha, a, b } = params;
  const lnAlpha = Math.log(alpha);
  const lnA = Math.log(a);
  const gammalnR = gammaln(r);
  const gammalnB = gammaln(b);
  const gammalnAB = gammaln(a + b);
  const digammaR = digamma(r);
  const digammaB = digamma(b);
  const digammaAB = digamma(a + b);
  let value = 0;
  let dr = 0;
  let dAlpha = 0;
  let da = 0;
  let db = 0;
  for (const { x, tx, T } of customers) {
    const lnAlphaT = Math.log(alpha + T);
    const a1 = gammaln(r + x) - gammalnR + r * lnAlpha;
    const a2 = gammalnAB + gammaln(b + x) - gammalnB - gammaln(a + b + x);
    const a3 = -(r + x) * lnAlphaT;
    const digammaABX = digamma(a + b + x);
    let drC = digamma(r + x) - digammaR + lnAlpha;
    let dAlphaC = r / alpha;
    let daC = digammaAB - digammaABX;
    let dbC = digammaAB + digamma(b + x) - digammaB - digammaABX;
    if (x === 0) {
      value += a1 + a2 + a3;
      drC -= lnAlphaT;
      dAlphaC -= (r + x) / (alpha + T);
    } else {
      const lnAlphaTx = Math.log(alpha + tx);
      const a4 = lnA - Math.log(b + x - 1) - (r + x) * lnAlphaTx;
      const m = Math.max(a3, a4);
      const e3 = Math.exp(a3 - m);
      const e4 = Math.exp(a4 - m);
      // Weights of the two terms of ln(e^A3 + e^A4): the derivative of the log-sum is their weighted mean.
      const w3 = e3 / (e3 + e4);
      const w4 = 1 - w3;
      value += a1 + a2 + m + Math.log(e3 + e4);
      drC -= w3 * lnAlphaT + w4 * lnAlphaTx;
      dAlphaC -= (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx));
      daC += w4 / a;
      dbC -= w4 / (b + x - 1);
    }
    dr += drC;
    dAlpha += dAlphaC;
    da += daC;
    db += dbC;
  }
  return { value, gradient: [r * dr, alpha * dAlpha, a * da, b * db] };
}

/**
 * ln of the odds of death, ln(P(dead)/P(alive)) = ln a − ln(b+x−1) + (r+x)·ln((α+T)/(α+t_x)), for x > 0.
 * {@link aliveFallsBelowAt} solves it for T.
 */
function logDeathOdds(params: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  return Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
}

/**
 * P(alive | x, t_x, T): the probability that the customer has not dropped out.
 * 1 for x = 0 (BG/NBD lets a customer drop out only just after a purchase, so one who never
 * repeated cannot have). Falls as T grows past t_x without a purchase.
 * @example
 * probabilityAlive({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { x: 2, tx: 30.43, T: 38.86 }); // 0.7266
 */
export function probabilityAlive(params: BgNbdParams, customer: BgNbdCustomer): number {
  if (customer.x === 0) return 1;
  // 1/(1+e^k) written so that neither a huge nor a very negative k overflows.
  const k = logDeathOdds(params, customer.x, customer.tx, customer.T);
  return k > 0 ? Math.exp(-k) / (1 + Math.exp(-k)) : 1 / (1 + Math.exp(k));
}

/**
 * E[X(t)]: expected purchases in (0, t] of a new customer, from their first purchase.
 * @example
 * expectedPurchases({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 39); // ≈ 1.4
 */
export function expectedPurchases(params: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = params;
  if (t <= 0) return 0;
  const z = t / (alpha + t);
  const f = logHyp2f1(r, b, a + b - 1, z);
  // (α/(α+t))^r = (1−z)^r.
  const product = f.sign * Math.exp(r * Math.log1p(-z) + f.log);
  return ((a + b - 1) / (a - 1)) * (1 - product);
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t of a customer with this history.
 * @example
 * conditionalExpectedPurchases({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { x: 2, tx: 30.43, T: 38.86 }, 39); // 1.226
 */
export function conditionalExpectedPurchases(params: BgNbdParams, customer: BgNbdCustomer, t: number): number {
  const { r, alpha, a, b } = params;
  const { x, T } = customer;
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const f = logHyp2f1(r + x, b + x, a + b + x - 1, z);
  // ((α+T)/(α+T+t))^(r+x) = (1−z)^(r+x): with Euler's transform its growth cancels against f's prefactor.
  const product = f.sign * Math.exp((r + x) * Math.log1p(-z) + f.log);
  return ((a + b + x - 1) / (a - 1)) * (1 - product) * probabilityAlive(params, customer);
}

/**
 * The age T* (time since the first purchase, in the model's unit) at which P(alive) falls to `p`
 * for a customer with x > 0 repeat purchases, the last at t_x, if nothing else is bought:
 * P(alive) is strictly decreasing in T, and solving 1/(1 + a/(b+x−1)·((α+T)/(α+t_x))^(r+x)) = p gives
 *   T* = (α+t_x) · ((1/p − 1)·(b+x−1)/a)^(1/(r+x)) − α.
 * Returns t_x when P(alive) is already at or below p just after the last purchase,
 * and Infinity when it never gets there (x = 0, where P(alive) stays 1, or p ≤ 0).
 * @example
 * aliveFallsBelowAt(params, { x: 2, tx: 30.43 }, 0.5); // weeks after the first purchase
 */
export function aliveFallsBelowAt(params: BgNbdParams, customer: { x: number; tx: number }, p: number): number {
  const { r, alpha, a, b } = params;
  const { x, tx } = customer;
  if (x === 0 || p <= 0) return Number.POSITIVE_INFINITY;
  if (p >= 1) return tx;
  const logTarget = Math.log(1 / p - 1) + Math.log(b + x - 1) - Math.log(a);
  if (logTarget <= 0) return tx;
  return (alpha + tx) * Math.exp(logTarget / (r + x)) - alpha;
}

function logAddExp(u: number, v: number): number {
  const m = Math.max(u, v);
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}
