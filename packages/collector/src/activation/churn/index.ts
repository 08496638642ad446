/**
 * Churn risk with the BG/NBD model (Fader, Hardie and Lee 2005): purchase
 * history to (x, t_x, T), a maximum-likelihood fit of r, α, a and b, and per
 * customer P(alive), expected purchases and the instant P(alive) crosses a
 * threshold. Pure functions; time in weeks throughout.
 * @example
 * import { fitBgNbd, probabilityAlive, summarizePurchases } from './activation/churn/index.js';
 * const summary = summarizePurchases(purchases, Date.now());
 * const { params } = fitBgNbd(summaries);
 * probabilityAlive(params, summary);
 */
export {
  aliveFallsBelowAt,
  type BgNbdCustomer,
  type BgNbdParams,
  conditionalExpectedPurchases,
  customerLogLikelihood,
  expectedPurchases,
  logLikelihood,
  probabilityAlive,
} from './bgnbd.js';
export { explainChurn } from './explain.js';
export { FIT_MAX_ITERATIONS, type FitOptions, type FitResult, fitBgNbd } from './fit.js';
export { hyp2f1, logHyp2f1 } from './hyp2f1.js';
export { type SimulatedCustomer, type SimulationOptions, simulateBgNbd } from './simulate.js';
export { MS_PER_WEEK, type Purchase, type PurchaseSummary, summarizePurchases } from './summary.js';
