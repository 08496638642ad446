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

// The cost of the churn fields on a profile read: GET /v1/profiles/{ref} on a real collector
// (worker-thread store, loopback HTTP), the same profiles read before and after a fit, in one run.
// Without a fit the read pays one primary-key probe for the current fit; with one it also
// summarises the profile's purchases (one query over its fragments' events) and computes
// P(alive), E[Y(30d)], E[Y(90d)] and the explanation.
const { startCollector } = await import(pathToFileURL(dist).href);
const { mkdtempSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const READ_PROFILES = 200;
const READS_PER_PASS = 2_000;
/** Measured passes per state (alternating). */
const READ_RUNS = 5;
const BATCH = 1_000;
const dir = mkdtempSync(join(tmpdir(), 'exhaust-churn-bench-'));
const collector = await startCollector({
  port: 0,
  db: join(dir, 'bench.db'),
  logLevel: 'warn',
  config: { churn: { minPurchasers: 100 } },
});
try {
  const now = Date.now();
  const population = simulateBgNbd({ params: TRUTH, customers: 2_000, seed: 3, asOf: now });
  const messages = population.flatMap(({ purchases }, i) =>
    purchases.map((at, n) => ({
      type: 'track',
      event: 'Order Completed',
      anonymousId: `bench-${i}`,
      messageId: `bench-${i}-${n}`,
      timestamp: new Date(Math.floor(at)).toISOString(),
      properties: { revenue: 20 },
    })),
  );
  const basic = `Basic ${Buffer.from(`${collector.writeKey}:`).toString('base64')}`;
  for (let i = 0; i < messages.length; i += BATCH) {
    const response = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic },
      body: JSON.stringify({ batch: messages.slice(i, i + BATCH) }),
    });
    if (!response.ok) throw new Error(`batch: ${response.status}`);
  }
  const adminHeaders = { authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' };
  const readPass = async () => {
    const start = performance.now();
    let churned = 0;
    for (let i = 0; i < READS_PER_PASS; i++) {
      const ref = encodeURIComponent(`anonymousId:bench-${i % READ_PROFILES}`);
      const body = await (await fetch(`${collector.url}/v1/profiles/${ref}`, { headers: adminHeaders })).json();
      if (body.churn) churned += 1;
    }
    return { ms: (performance.now() - start) / READS_PER_PASS, churned };
  };
  // Load drift on a shared machine spreads evenly: the two states alternate, pass after pass. A fit
  // on an event nobody sends is `insufficient_data` and becomes current: no churn fields then.
  const refit = async (body) => {
    const answer = await fetch(`${collector.url}/v1/models/churn/fit`, { method: 'POST', headers: adminHeaders, body });
    if (answer.status !== 201) throw new Error(`fit: ${answer.status}`);
  };
  const without = { runs: [], churned: 0 };
  const withFit = { runs: [], churned: 0 };
  for (let run = 0; run <= READ_RUNS; run++) {
    for (const [state, body] of [
      [without, '{"event":"Never Sent"}'],
      [withFit, '{}'],
    ]) {
      await refit(body);
      const pass = await readPass();
      // The first round warms up and is not counted.
      if (run > 0) state.runs.push(pass.ms);
      state.churned = pass.churned;
    }
  }
  const show = ({ runs }) =>
    `median ${(median(runs) * 1000).toFixed(0)} µs (runs ${runs.map((t) => (t * 1000).toFixed(0)).join(', ')} µs)`;
  console.log(
    `GET /v1/profiles/{ref}, ${READS_PER_PASS.toLocaleString('en')} sequential reads of ${READ_PROFILES} profiles: ` +
      `without a fit ${show(without)}; with a fit (churn fields) ${show(withFit)}; ` +
      `difference ${((median(withFit.runs) - median(without.runs)) * 1000).toFixed(0)} µs per read`,
  );
} finally {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
}
