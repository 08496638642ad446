/**
 * Churn risk over HTTP, as one test body for every store (`churn.http.test.ts`
 * on SQLite, `churn.http.postgres.test.ts` on PostgreSQL): fits, figures on
 * profiles, and an at-risk audience entered by the activation scheduler at the
 * instant P(alive) crosses its threshold.
 */
import type { AudienceChange } from '@exhaust/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aliveFallsBelowAt,
  logLikelihood,
  probabilityAlive,
  simulateBgNbd,
  summarizePurchases,
} from '../activation/churn/index.js';
import { MS_PER_WEEK } from '../activation/churn/summary.js';
import {
  admin,
  create,
  type Json,
  send,
  trackAt,
  waitForChanges,
  waitLive,
} from '../routes/activation-http.support.js';
import type { StartTestCollector, TestCollector } from '../test/harness.js';
import { DAY_MS, sendCustomers, TRUTH } from './churn-http.support.js';

/** ROC AUC of `score` against `truth` (Mann-Whitney, ties counted half). */
function rocAuc(scores: number[], truth: boolean[]): number {
  const order = scores.map((score, i) => ({ score, positive: truth[i] })).sort((x, y) => x.score - y.score);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]?.score === order[i]?.score) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k]?.positive) {
        rankSum += rank;
        positives += 1;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Registers the churn tests, on collectors started by `startCollector`. */
export function describeChurnRiskOverHttp(startCollector: StartTestCollector): void {
  describe('churn risk over HTTP', () => {
    let collector: TestCollector;
    beforeAll(async () => {
      collector = await startCollector({ config: { churn: { minPurchasers: 50 } } });
    });
    afterAll(async () => {
      await collector.stop();
    });

    it('answers insufficient_data below churn.minPurchasers (no churn figures then) and names bad fields', async () => {
      const lonely = await startCollector({ config: { churn: { minPurchasers: 3 } } });
      try {
        // The scheduled refit may already have recorded the empty store; a manual fit is newest either way.
        await send(lonely, trackAt('one', 'Order Completed', Date.now() - 10 * DAY_MS));
        const fit = await create(lonely, '/v1/models/churn/fit', {});
        expect(fit).toMatchObject({ status: 'insufficient_data', params: null, customers: 1, minPurchasers: 3 });
        expect((await admin(lonely, 'GET', '/v1/models/churn')).body).toEqual(fit);
        expect((await admin(lonely, 'GET', '/v1/profiles/anonymousId%3Aone')).body.churn).toBeNull();
        const bad = await admin(lonely, 'POST', '/v1/models/churn/fit', { asOf: 'yesterday', extra: 1 });
        expect(bad.status).toBe(400);
        expect(bad.body.error.issues.map((issue: Json) => issue.path.join('.'))).toEqual(['asOf', '']);
      } finally {
        await lonely.stop();
      }
    });

    it('enters an at-risk audience at the instant P(alive) crosses its threshold', async () => {
      const now = Date.now();
      const population = simulateBgNbd({ params: TRUTH, customers: 300, seed: 11, asOf: now - 60_000 });
      await sendCustomers(collector, population, 'risk');
      // A weekly buyer whose last purchase was 12 days ago.
      const target = [40, 33, 26, 19, 12].map((days) => now - days * DAY_MS);
      await send(
        collector,
        ...target.map((at) => trackAt('target', 'Order Completed', at, { properties: { total: 80 } })),
      );

      const fit = await create(collector, '/v1/models/churn/fit', { asOf: new Date(now).toISOString() });
      expect(fit).toMatchObject({ status: 'fitted', customers: 301, event: 'Order Completed' });
      expect(Object.keys(fit.params).sort()).toEqual(['a', 'alpha', 'b', 'r']);
      expect((await admin(collector, 'GET', '/v1/models/churn')).body).toEqual(fit);

      // The threshold P(alive) will cross five seconds from now, if nothing is bought.
      const x = 4;
      const tx = (target[4]! - target[0]!) / MS_PER_WEEK;
      const crossAt = Date.now() + 5_000;
      const threshold = probabilityAlive(fit.params, { x, tx, T: (crossAt - target[0]!) / MS_PER_WEEK });
      const predicted = target[0]! + aliveFallsBelowAt(fit.params, { x, tx }, threshold) * MS_PER_WEEK;
      expect(Math.abs(predicted - crossAt)).toBeLessThan(5);

      const view = (await admin(collector, 'GET', '/v1/profiles/anonymousId%3Atarget')).body;
      expect(view.churn).toMatchObject({ x: 4, meanValue: 80 });
      expect(view.churn.pAlive).toBeGreaterThan(threshold);
      expect(view.churn.expectedPurchases90d).toBeGreaterThan(view.churn.expectedPurchases30d);
      expect(view.churn.explanation).toMatch(/^bought 5 times, last 12 days ago, usually every 7 days, so P\(alive\)/);

      await create(collector, '/v1/audiences', {
        key: 'at_risk',
        name: 'At risk',
        condition: { churn: 'pAlive', op: 'lt', value: threshold },
      });
      await waitLive(collector);
      const entered = (all: AudienceChange[]) => all.find((c) => c.profileId === view.id && c.change === 'entered');
      expect(entered(await waitForChanges(collector, 'at_risk', () => true))).toBeUndefined();
      const change = entered(await waitForChanges(collector, 'at_risk', (all) => entered(all) !== undefined, 15_000));
      const lateness = Date.parse(change!.at) - predicted;
      console.log(`at_risk entered ${lateness} ms after the predicted crossing`);
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(2_000);
      expect(change?.reason).toBe('time');

      // A refit moves every figure: one without parameters (too few buyers of that event) empties the audience.
      const empty = await create(collector, '/v1/models/churn/fit', { event: 'Never Sent' });
      expect(empty.status).toBe('insufficient_data');
      const exited = (all: AudienceChange[]) => all.find((c) => c.profileId === view.id && c.change === 'exited');
      expect(exited(await waitForChanges(collector, 'at_risk', (all) => exited(all) !== undefined))).toBeDefined();
      expect((await admin(collector, 'GET', '/v1/profiles/anonymousId%3Atarget')).body.churn).toBeNull();
    }, 60_000);

    it('recovers the simulated parameters: its log-likelihood beats the truth on the same summary', async () => {
      const fresh = await startCollector({ config: { churn: { minPurchasers: 200 } } });
      try {
        const asOf = Date.now() - 60_000;
        const customers = simulateBgNbd({ params: TRUTH, customers: 3000, seed: 2026, asOf }).map((customer) => ({
          ...customer,
          // Events carry millisecond timestamps.
          purchases: customer.purchases.map(Math.floor),
        }));
        const events = await sendCustomers(fresh, customers, 'sim');
        const fit = await create(fresh, '/v1/models/churn/fit', { asOf: new Date(asOf).toISOString() });
        const summaries = customers.map(
          ({ purchases }) =>
            summarizePurchases(
              purchases.map((at) => ({ at })),
              asOf,
            )!,
        );
        const truthLogLikelihood = logLikelihood(TRUTH, summaries);
        expect(fit.status).toBe('fitted');
        expect(fit.customers).toBe(3000);
        expect(fit.converged).toBe(true);
        expect(fit.logLikelihood).toBeGreaterThanOrEqual(truthLogLikelihood);
        const pAlive = summaries.map((summary) => probabilityAlive(fit.params, summary));
        const auc = rocAuc(
          pAlive,
          customers.map((customer) => customer.alive),
        );
        console.log(
          `parameter recovery: ${events} events, truth ${JSON.stringify(TRUTH)}, fitted ${JSON.stringify(fit.params)}, ` +
            `ln L ${fit.logLikelihood.toFixed(2)} >= ${truthLogLikelihood.toFixed(2)} (truth), ROC AUC of P(alive) ${auc.toFixed(3)}`,
        );
        expect(auc).toBeGreaterThan(0.6);
      } finally {
        await fresh.stop();
      }
    }, 90_000);
  });
}
