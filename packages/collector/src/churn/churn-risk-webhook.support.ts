/**
 * `churn.risk_changed` end to end, as one test body for every store
 * (`churn-risk-webhook.http.test.ts` on SQLite, `churn-risk-webhook.postgres.test.ts`
 * on PostgreSQL): a collector with second-scale timing, a
 * fitted churn model, a real loopback receiver verifying with the official
 * `standardwebhooks` package, and a buyer whose P(alive) leaves its band a few
 * seconds after the test starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliveFallsBelowAt, MS_PER_WEEK, probabilityAlive, simulateBgNbd } from '../activation/churn/index.js';
import { create, profile, send, trackAt } from '../routes/activation-http.support.js';
import type { StartTestCollector, TestCollector } from '../test/harness.js';
import { startReceiver, type TestReceiver } from '../test/webhook-receiver.js';
import { sendCustomers, TRUTH } from './churn-http.support.js';

const BANDS = [0.3, 0.5];
/** The boundary the buyer crosses, and how long after the setup it does. */
const BOUNDARY = 0.5;
const CROSS_IN_MS = 5_000;
/** Weekly purchases: x = 4 repeats, t_x = 4 weeks. */
const WEEKS = [0, 1, 2, 3, 4];

/** Registers the test, on a collector started by `startCollector`. */
export function describeChurnRiskWebhook(startCollector: StartTestCollector): void {
  describe('churn.risk_changed over HTTP', () => {
    let collector: TestCollector;
    let receiver: TestReceiver;
    beforeAll(async () => {
      collector = await startCollector({
        config: {
          webhooks: { allowHttp: true, allowPrivateNetworks: true },
          churn: { minPurchasers: 50, bands: BANDS },
        },
      });
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await collector.stop();
      await receiver.close();
    });

    it('sends a verified band change within 2 s of the instant P(alive) crosses the boundary', async () => {
      const now = Date.now();
      await sendCustomers(
        collector,
        simulateBgNbd({ params: TRUTH, customers: 300, seed: 11, asOf: now - 60_000 }),
        'band',
      );
      const fit = await create(collector, '/v1/models/churn/fit', { asOf: new Date(now).toISOString() });
      expect(fit).toMatchObject({ status: 'fitted', bands: BANDS });
      const endpoint = await create(collector, '/v1/webhooks', { url: receiver.url, events: ['churn.risk_changed'] });

      // A weekly buyer placed in time so that, with no further purchase, P(alive) falls below the boundary
      // CROSS_IN_MS from now: the first purchase is T* weeks before that instant.
      const weeksToCross = aliveFallsBelowAt(fit.params, { x: WEEKS.length - 1, tx: WEEKS.at(-1)! }, BOUNDARY);
      const first = Math.round(Date.now() + CROSS_IN_MS - weeksToCross * MS_PER_WEEK);
      const purchases = WEEKS.map((week) => first + week * MS_PER_WEEK);
      expect(purchases.at(-1)!).toBeLessThan(Date.now());
      const tx = (purchases.at(-1)! - first) / MS_PER_WEEK;
      const predicted = first + aliveFallsBelowAt(fit.params, { x: WEEKS.length - 1, tx }, BOUNDARY) * MS_PER_WEEK;
      // Sent after the fit, so the purchases are evaluated with band tracking on: the first band is recorded silently.
      await send(
        collector,
        ...purchases.map((at) => trackAt('lapsing', 'Order Completed', at, { properties: { total: 60 } })),
      );
      const view = await profile(collector, 'anonymousId:lapsing');
      expect(view.churn.pAlive).toBeGreaterThan(BOUNDARY);

      const [request] = await receiver.waitFor(1, CROSS_IN_MS + 10_000);
      const lateness = request!.at - predicted;
      console.log(`churn.risk_changed arrived ${Math.round(lateness)} ms after the predicted crossing`);
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(2_000);
      const verified = receiver.verify(request!, endpoint.secret) as {
        timestamp: string;
        data: Record<string, unknown>;
      };
      expect(verified).toMatchObject({
        type: 'churn.risk_changed',
        data: { profileId: view.id, band: '0.3-0.5', previousBand: '0.5-1' },
      });
      expect(Object.keys(verified.data).sort()).toEqual(['band', 'pAlive', 'previousBand', 'profileId']);
      // P(alive) as evaluated at the instant of the change: just below the boundary.
      const at = Date.parse(verified.timestamp);
      expect(at).toBeGreaterThanOrEqual(predicted);
      const pAliveThen = probabilityAlive(fit.params, { x: WEEKS.length - 1, tx, T: (at - first) / MS_PER_WEEK });
      expect(verified.data.pAlive).toBeCloseTo(pAliveThen, 6);
      expect(verified.data.pAlive).toBeLessThan(BOUNDARY);

      // Only the crossing was announced: neither the silent first band nor the unevaluated population.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(1);
    }, 60_000);
  });
}
