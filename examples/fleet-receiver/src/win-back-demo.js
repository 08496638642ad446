/**
 * The win-back step against any running collector: seed purchase histories
 * (rentals, with their historical timestamps), fit the churn model, define the
 * "at risk and valuable" audience and a webhook for it, then send one good
 * customer's history placed so that their P(alive) falls below 0.5 a few
 * seconds later. The receiver verifies the `audience.entered` that arrives at
 * that instant, reads the customer's churn figures and logs a personalised
 * offer. Resolves with the first offer.
 */
import { aliveFallsBelowAt, simulateBgNbd } from '@exhaust/collector';
import { createFleetReceiver } from './fleet-receiver.js';

/** Customers seeded: at least the collector's default `churn.minPurchasers` (200), so the model fits. */
export const SEEDED_CUSTOMERS = 250;
/** The audience: probably leaving (P(alive) below this)... */
export const AT_RISK_P_ALIVE = 0.5;
/** ...and worth keeping (expected value of the next 90 days at least this). */
export const VALUABLE_EXPECTED_VALUE_90D = 100;
/** How long after her history arrives the featured customer's P(alive) crosses AT_RISK_P_ALIVE. */
export const CROSSING_IN_MS = 3_000;
/** The offer a win-back alert makes. */
export const WIN_BACK_DISCOUNT_PERCENT = 15;

const MS_PER_WEEK = 7 * 86_400_000;
/** The featured customer: a removals firm renting every two weeks, five times, about 240 a rental. */
const GRACE = { userId: 'grace@example.org', everyWeeks: 2, rentals: 5, revenue: 240 };

/**
 * @param {{ collector: { url: string, writeKey: string, adminKey: string }, log?: (line: string) => void }} options
 * @returns {Promise<{ customer: string, pAlive: number, discountPercent: number, line: string }>}
 */
export async function runWinBackDemo({ collector, log = () => {} }) {
  const request = async (method, path, body) => {
    const res = await fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${collector.adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const ingest = async (batch) => {
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${collector.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch }),
    });
    if (!res.ok) throw new Error(`batch: ${res.status} ${await res.text()}`);
  };
  const rental = (userId, at, revenue) => ({
    type: 'track',
    event: 'Order Completed',
    userId,
    timestamp: new Date(at).toISOString(),
    properties: { revenue },
  });

  // 1. A year of rentals by SEEDED_CUSTOMERS customers (a seeded simulation: the same every run).
  const now = Date.now();
  const customers = simulateBgNbd({
    params: { r: 0.5, alpha: 5, a: 0.7, b: 3 },
    customers: SEEDED_CUSTOMERS,
    seed: 7,
    asOf: now - 60_000,
  });
  const rentals = customers.flatMap(({ purchases }, i) =>
    purchases.map((at, n) => rental(`customer-${i}@example.org`, Math.floor(at), 20 + ((i + n) % 7) * 5)),
  );
  for (let i = 0; i < rentals.length; i += 1000) await ingest(rentals.slice(i, i + 1000));
  log(`seeded ${rentals.length} rentals of ${customers.length} customers`);

  // 2. Fit the churn model on them.
  const fit = await request('POST', '/v1/models/churn/fit', { asOf: new Date(now).toISOString() });
  if (fit.status !== 'fitted') throw new Error(`churn fit: ${fit.status}`);
  const { r, alpha, a, b } = fit.params;
  log(
    `churn model fitted over ${fit.customers} buyers: r ${r.toFixed(3)}, alpha ${alpha.toFixed(3)}, a ${a.toFixed(3)}, b ${b.toFixed(3)}`,
  );

  let secret = '';
  let resolveOffer;
  const offered = new Promise((resolve) => {
    resolveOffer = resolve;
  });
  // The receiver (the firm's back office) reads the churn figures of whoever entered, to personalise the offer.
  const server = createFleetReceiver({
    get secret() {
      return secret;
    },
    onAlert: async (alert) => {
      if (alert.type !== 'audience.entered' || alert.audience !== 'win_back') return;
      const profile = await request('GET', `/v1/profiles/${encodeURIComponent(alert.data.profile.id)}`);
      const pAlive = profile.churn.pAlive;
      // Rounded down: read just after the crossing, P(alive) is a hair below the threshold.
      const shown = (Math.floor(pAlive * 1000) / 1000).toFixed(3);
      const line = `win-back offer for ${alert.customer}: ${WIN_BACK_DISCOUNT_PERCENT}% off, P(alive) ${shown}`;
      log(`fleet system: ${line}`);
      resolveOffer({ customer: alert.customer, pAlive, discountPercent: WIN_BACK_DISCOUNT_PERCENT, line });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    // 3. "At risk and valuable", and a webhook for its entries.
    await request('POST', '/v1/audiences', {
      key: 'win_back',
      name: 'At risk and valuable',
      condition: {
        all: [
          { churn: 'pAlive', op: 'lt', value: AT_RISK_P_ALIVE },
          { churn: 'expectedValue90d', op: 'gte', value: VALUABLE_EXPECTED_VALUE_90D },
        ],
      },
    });
    const endpoint = await request('POST', '/v1/webhooks', {
      url: `http://127.0.0.1:${server.address().port}/webhooks/exhaust`,
      events: ['audience.entered'],
      filter: { audiences: ['win_back'] },
      description: 'win-back offers',
    });
    secret = endpoint.secret;
    log(
      `audience win_back (P(alive) < ${AT_RISK_P_ALIVE}, expected 90-day value >= ${VALUABLE_EXPECTED_VALUE_90D}), webhook ${endpoint.id}`,
    );

    // 4. A good customer who went quiet: her rentals placed so that P(alive) crosses 0.5 CROSSING_IN_MS from now.
    const x = GRACE.rentals - 1;
    const tx = x * GRACE.everyWeeks;
    const first = Math.round(
      Date.now() + CROSSING_IN_MS - aliveFallsBelowAt(fit.params, { x, tx }, AT_RISK_P_ALIVE) * MS_PER_WEEK,
    );
    await ingest(
      Array.from({ length: GRACE.rentals }, (_, n) =>
        rental(GRACE.userId, first + n * GRACE.everyWeeks * MS_PER_WEEK, GRACE.revenue),
      ),
    );
    const weeksQuiet = (Date.now() - (first + tx * MS_PER_WEEK)) / MS_PER_WEEK;
    log(
      `${GRACE.userId}: ${GRACE.rentals} rentals every ${GRACE.everyWeeks} weeks, the last ${weeksQuiet.toFixed(1)} weeks ago; ` +
        `P(alive) falls below ${AT_RISK_P_ALIVE} in ${CROSSING_IN_MS / 1000} s`,
    );
    return await offered;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
