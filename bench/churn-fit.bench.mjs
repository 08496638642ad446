// Churn model (BG/NBD) cost, on the collector's built dist: the time to fit
// r, alpha, a, b on 10,000 and 100,000 simulated purchasers (median of RUNS,
// customers drawn from the model itself with known parameters, summarised from
// their purchase instants as the collector will), and the cost per profile of
// the read-time outputs: P(alive), expected purchases in 30 and 90 days.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RUNS = 3;
const SIZES = (process.env.BENCH_CHURN_CUSTOMERS ?? '10000,100000').split(',').map(Number);
/** Profiles whose outputs are computed per measured pass. */
const PROFILES = 20_000;
const TRUTH = { r: 0.5, alpha: 5, a: 0.7, b: 3 };
const DAYS_PER_WEEK = 7;

const dist = fileURLToPath(new URL('../packages/collector/dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('packages/collector/dist is missing: run `pnpm build` first (`pnpm bench` does).');
  process.exit(1);
}
const { conditionalExpectedPurchases, fitBgNbd, probabilityAlive, simulateBgNbd, summarizePurchases } = await import(
  pathToFileURL(dist).href
);

const median = (values) => [...values].sort((u, v) => u - v)[Math.floor(values.length / 2)];
const asOf = Date.UTC(2026, 0, 1);
function summaries(customers, seed) {
  return simulateBgNbd({ params: TRUTH, customers, seed, asOf }).map(({ purchases }) =>
    summarizePurchases(
      purchases.map((at) => ({ at })),
      asOf,
    ),
  );
}

let params = TRUTH;
for (const size of SIZES) {
  const data = summaries(size, size);
  const times = [];
  let fit;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    fit = fitBgNbd(data);
    times.push(performance.now() - start);
  }
  params = fit.params;
  const p = fit.params;
  console.log(
    `fit ${size.toLocaleString('en')} purchasers: median ${median(times).toFixed(0)} ms ` +
      `(runs ${times.map((t) => t.toFixed(0)).join(', ')} ms; ${fit.iterations} iterations, converged ${fit.converged}; ` +
      `r ${p.r.toFixed(3)} alpha ${p.alpha.toFixed(3)} a ${p.a.toFixed(3)} b ${p.b.toFixed(3)}, truth 0.5 5 0.7 3)`,
  );
}

const profiles = summaries(PROFILES, 1);
let sink = 0;
const perProfile = [];
for (let run = 0; run < RUNS + 1; run++) {
  const start = performance.now();
  for (const summary of profiles) {
    sink += probabilityAlive(params, summary);
    sink += conditionalExpectedPurchases(params, summary, 30 / DAYS_PER_WEEK);
    sink += conditionalExpectedPurchases(params, summary, 90 / DAYS_PER_WEEK);
  }
  // The first pass warms the JIT and is not counted.
  if (run > 0) perProfile.push(((performance.now() - start) * 1000) / PROFILES);
}
if (!Number.isFinite(sink)) throw new Error('churn outputs are not finite');
console.log(
  `per profile: P(alive) + E[Y(30d)] + E[Y(90d)]: median ${median(perProfile).toFixed(2)} µs ` +
    `(runs ${perProfile.map((t) => t.toFixed(2)).join(', ')} µs over ${PROFILES.toLocaleString('en')} profiles)`,
);
