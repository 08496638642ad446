/**
 * Draws customers from the BG/NBD process itself, with a seeded generator, so
 * tests and benchmarks can check the fit against known truth: each customer
 * gets a purchase rate λ ~ Gamma(r, α) and a dropout probability p ~ Beta(a, b),
 * buys at time 0, then at Poisson(λ) times, and after each repeat purchase
 * drops out with probability p (the generator of lifetimes'
 * `beta_geometric_nbd_model`). Purchases come out as epoch milliseconds, as
 * events would carry them.
 */
import type { BgNbdParams } from './bgnbd.js';
import { MS_PER_WEEK } from './summary.js';

export interface SimulationOptions {
  params: BgNbdParams;
  customers: number;
  /** Seed of the pseudo-random generator; the same seed gives the same customers. */
  seed: number;
  /** The end of observation, epoch milliseconds. */
  asOf: number;
  /**
   * Weeks each customer is observed (T), drawn uniformly from [min, max], i.e. first
   * purchases spread over max − min weeks like a real acquisition window.
   * Default [27, 39], CDNOW's cohort.
   */
  observationWeeks?: readonly [number, number];
}

export interface SimulatedCustomer {
  /** Purchase instants, epoch milliseconds, ascending; the first is the acquisition. */
  purchases: number[];
  /** Still alive at `asOf`: the truth P(alive) estimates. */
  alive: boolean;
  /** The customer's own purchase rate per week and dropout probability. */
  lambda: number;
  p: number;
}

/**
 * @example
 * const customers = simulateBgNbd({ params: { r: 0.25, alpha: 4, a: 0.8, b: 2.5 }, customers: 1000, seed: 7, asOf: Date.now() });
 */
export function simulateBgNbd(options: SimulationOptions): SimulatedCustomer[] {
  const { params, customers, seed, asOf } = options;
  const [minWeeks, maxWeeks] = options.observationWeeks ?? [27, 39];
  const random = createRandom(seed);
  const result: SimulatedCustomer[] = [];
  for (let i = 0; i < customers; i++) {
    const lambda = sampleGamma(random, params.r) / params.alpha;
    const gammaA = sampleGamma(random, params.a);
    const p = gammaA / (gammaA + sampleGamma(random, params.b));
    const T = minWeeks + (maxWeeks - minWeeks) * random();
    const start = asOf - T * MS_PER_WEEK;
    const purchases = [start];
    let t = 0;
    let alive = true;
    for (;;) {
      t += -Math.log(1 - random()) / lambda;
      if (t > T) break;
      purchases.push(start + t * MS_PER_WEEK);
      if (random() < p) {
        alive = false;
        break;
      }
    }
    result.push({ purchases, alive, lambda, p });
  }
  return result;
}

/** mulberry32: a small, fast 32-bit generator, good enough for simulation (not for secrets). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through Gamma(shape+1)·U^(1/shape). */
function sampleGamma(random: () => number, shape: number): number {
  if (shape < 1) return sampleGamma(random, shape + 1) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

function sampleNormal(random: () => number): number {
  // Box–Muller; 1 − U keeps the logarithm's argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
