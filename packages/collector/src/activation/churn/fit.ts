/**
 * Maximum-likelihood fit of the BG/NBD parameters, done as lifetimes does it:
 * - in log-parameters, so the optimizer is unconstrained and r, α, a, b stay positive;
 * - on time rescaled so that the longest observation lasts {@link FIT_TIME_SCALE_TARGET}
 *   units, which keeps α near 1 whatever the unit and data span (r, a and b
 *   do not depend on the time unit; α is scaled back at the end);
 * - minimising the mean negative log-likelihood plus an optional L2 penalty
 *   `penalizer · (r² + α² + a² + b²)` (lifetimes' `penalizer_coef`; 0.001–0.1 tames
 *   small or odd data sets, 0 reproduces the paper).
 *
 * The optimizer is BFGS with a backtracking line search, `uncmin` from the
 * `numeric` package, driven by the analytic gradient of
 * {@link logLikelihoodWithGradient} (log-gamma and digamma from stdlib).
 */
import numeric from 'numeric';
import { type BgNbdCustomer, type BgNbdParams, logLikelihood, logLikelihoodWithGradient } from './bgnbd.js';

/** The longest T in the data becomes this many units during the fit. */
export const FIT_TIME_SCALE_TARGET = 10;
/** Default cap on optimizer iterations (each line-search halving counts as one). */
export const FIT_MAX_ITERATIONS = 1000;
/** The optimizer stops when its step in log-parameter space is shorter than this. */
export const FIT_STEP_TOLERANCE = 1e-9;
/**
 * A fit counts as converged when every component of the gradient of the mean negative
 * log-likelihood, per log-parameter, is below this at the answer.
 */
export const FIT_GRADIENT_TOLERANCE = 1e-5;
/** Where the search starts (in the rescaled time) unless told: every parameter 1. */
const DEFAULT_START: BgNbdParams = { r: 1, alpha: 1, a: 1, b: 1 };

export interface FitOptions {
  /** L2 penalty coefficient on the parameters (rescaled time); default 0. */
  penalizer?: number;
  /** Starting parameters, in the data's own time unit; default all 1 in rescaled time. */
  initial?: BgNbdParams;
  /** Default {@link FIT_MAX_ITERATIONS}. */
  maxIterations?: number;
}

export interface FitResult {
  params: BgNbdParams;
  /** ln L at `params` over the data, in its own time unit, without the penalty. */
  logLikelihood: number;
  converged: boolean;
  iterations: number;
  /** Customers fitted. */
  customers: number;
}

/**
 * Fits r, α, a and b by maximum likelihood.
 * @throws RangeError when there is no customer or a summary is not a valid (x ≥ 0 integer, 0 ≤ t_x ≤ T) triple.
 * @example
 * const fit = fitBgNbd(customers); // CDNOW: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
 */
export function fitBgNbd(customers: readonly BgNbdCustomer[], options: FitOptions = {}): FitResult {
  if (customers.length === 0) throw new RangeError('fitBgNbd: no customer to fit');
  let maxT = 0;
  for (const [index, { x, tx, T }] of customers.entries()) {
    if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx && Number.isFinite(T))) {
      throw new RangeError(`fitBgNbd: customer ${index} is not a valid summary (x ${x}, tx ${tx}, T ${T})`);
    }
    if (T > maxT) maxT = T;
  }
  const penalizer = options.penalizer ?? 0;
  const maxIterations = options.maxIterations ?? FIT_MAX_ITERATIONS;
  const scale = maxT > 0 ? FIT_TIME_SCALE_TARGET / maxT : 1;
  const scaled = customers.map(({ x, tx, T }) => ({ x, tx: tx * scale, T: T * scale }));
  const n = scaled.length;
  const start = options.initial ? { ...options.initial, alpha: options.initial.alpha * scale } : DEFAULT_START;

  // One likelihood pass serves both the value and the gradient that BFGS asks for at the same point.
  let cachedAt: number[] | undefined;
  let cached: { value: number; gradient: number[] } | undefined;
  const evaluate = (theta: number[]): { value: number; gradient: number[] } => {
    if (cached && cachedAt && theta.every((v, i) => v === cachedAt?.[i])) return cached;
    const params = fromLog(theta);
    const { value, gradient } = logLikelihoodWithGradient(params, scaled);
    const natural = [params.r, params.alpha, params.a, params.b];
    cached = {
      value: -value / n + penalizer * natural.reduce((sum, p) => sum + p * p, 0),
      // d(p²)/d(ln p) = 2p².
      gradient: gradient.map((g, i) => -g / n + 2 * penalizer * (natural[i] ?? 0) ** 2),
    };
    cachedAt = theta.slice();
    return cached;
  };
  const objective = (theta: number[]): number => {
    const { value } = evaluate(theta);
    // uncmin halves its step on NaN; an overflow to ±Infinity must do the same.
    return Number.isFinite(value) ? value : Number.NaN;
  };
  const gradientOf = (theta: number[]): number[] => evaluate(theta).gradient;

  const result = numeric.uncmin(
    objective,
    [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)],
    FIT_STEP_TOLERANCE,
    gradientOf,
    maxIterations,
  );
  const solution = result.solution as number[];
  const fitted = fromLog(solution);
  const finalGradient = evaluate(solution).gradient;
  const params = { ...fitted, alpha: fitted.alpha / scale };
  return {
    params,
    logLikelihood: logLikelihood(params, customers),
    converged:
      result.iterations < maxIterations &&
      finalGradient.every((g) => Number.isFinite(g) && Math.abs(g) < FIT_GRADIENT_TOLERANCE),
    iterations: result.iterations,
    customers: n,
  };
}

function fromLog(theta: readonly number[]): BgNbdParams {
  const [r = 0, alpha = 0, a = 0, b = 0] = theta;
  return { r: Math.exp(r), alpha: Math.exp(alpha), a: Math.exp(a), b: Math.exp(b) };
}
