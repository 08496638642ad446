/**
 * The churn half of the Store port's behaviour (issue 12), written once for
 * every implementation: per-profile purchase summaries aggregated by canonical
 * profile and UTC day, fits kept with their time (the newest is current), the
 * leased refit schedule, and the facts a profile read needs.
 * Usage: `describeChurnContract('sqlite inline', () => createSqliteStore({ file, mode: 'inline' }))`.
 */
import type { ChurnFit } from '@exhaust/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeIncomingEvent, type StoreFactory } from './store.contract.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-03-02T10:00:00.000Z');

function purchase(
  anonymousId: string,
  at: number,
  properties: Record<string, unknown> = {},
  event = 'Order Completed',
) {
  return makeIncomingEvent({
    timestamp: new Date(at).toISOString(),
    message: { event, anonymousId, properties },
  });
}

function fitInput(over: Partial<Omit<ChurnFit, 'id'>> = {}): Omit<ChurnFit, 'id'> {
  return {
    status: 'fitted',
    params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
    customers: 250,
    logLikelihood: -1234.5,
    converged: true,
    iterations: 17,
    fittedAt: new Date(T0).toISOString(),
    asOf: new Date(T0).toISOString(),
    event: 'Order Completed',
    valueProperty: null,
    bands: [0.3, 0.5],
    minPurchasers: 200,
    ...over,
  };
}

export function describeChurnContract(name: string, open: StoreFactory): void {
  describe(`Churn store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('summarises purchases per profile: one purchase day per UTC day, values summed per day and averaged', async () => {
      await store.ingest([
        purchase('a', T0, { revenue: 10 }),
        purchase('a', T0 + 3_600_000, { revenue: 20 }),
        purchase('a', T0 + 7 * DAY_MS, { total: 60 }),
        purchase('a', T0 + 9 * DAY_MS),
        purchase('a', T0 + 30 * DAY_MS, { revenue: 1000 }),
        purchase('a', T0 + 2 * DAY_MS, { revenue: 5 }, 'Product Viewed'),
        purchase('b', T0 + DAY_MS, { value: 7, revenue: 'n/a' }),
      ]);
      const rows = await store.readPurchaseSummaries({
        event: 'Order Completed',
        valueProperty: null,
        asOf: T0 + 20 * DAY_MS,
      });
      expect(rows).toHaveLength(2);
      const a = rows.find((row) => row.purchaseDays === 3);
      const b = rows.find((row) => row.purchaseDays === 1);
      expect(a).toMatchObject({ firstPurchaseAt: T0, lastPurchaseAt: T0 + 9 * DAY_MS, meanValue: 45 });
      expect(b).toMatchObject({ firstPurchaseAt: T0 + DAY_MS, lastPurchaseAt: T0 + DAY_MS, meanValue: 7 });
      expect(a?.profileId).not.toBe(b?.profileId);
    });

    it('reads the configured value property only, and counts a merged profile once', async () => {
      await store.ingest([
        purchase('c', T0, { amount: 3, revenue: 100 }),
        makeIncomingEvent({
          timestamp: new Date(T0 + DAY_MS).toISOString(),
          message: { event: 'Order Completed', anonymousId: 'd', userId: 'user-cd', properties: { amount: 5 } },
        }),
        makeIncomingEvent({
          timestamp: new Date(T0 + 2 * DAY_MS).toISOString(),
          message: { event: 'Order Completed', anonymousId: 'c', userId: 'user-cd', properties: {} },
        }),
      ]);
      const rows = await store.readPurchaseSummaries({
        event: 'Order Completed',
        valueProperty: 'amount',
        asOf: T0 + 5 * DAY_MS,
      });
      expect(rows).toEqual([
        expect.objectContaining({
          purchaseDays: 3,
          firstPurchaseAt: T0,
          lastPurchaseAt: T0 + 2 * DAY_MS,
          meanValue: 4,
        }),
      ]);
      const profile = await store.getProfile({ type: 'anonymousId', value: 'c' });
      expect(profile?.id).toBeDefined();
      expect(rows[0]?.profileId).toBe(profile?.id);
    });

    it('answers no summary for another event name or before the first purchase', async () => {
      await store.ingest([purchase('e', T0)]);
      expect(await store.readPurchaseSummaries({ event: 'Signed Up', valueProperty: null, asOf: T0 + DAY_MS })).toEqual(
        [],
      );
      expect(
        await store.readPurchaseSummaries({ event: 'Order Completed', valueProperty: null, asOf: T0 - 1 }),
      ).toEqual([]);
    });

    it('keeps every fit with its time; the newest is current', async () => {
      expect(await store.getChurnFit()).toBeNull();
      const first = await store.saveChurnFit({ fit: fitInput(), nextRefitAt: T0 + DAY_MS, now: T0 });
      const second = await store.saveChurnFit({
        fit: fitInput({
          status: 'insufficient_data',
          params: null,
          logLikelihood: null,
          converged: false,
          iterations: 0,
          customers: 3,
          fittedAt: new Date(T0 + DAY_MS).toISOString(),
        }),
        nextRefitAt: T0 + 2 * DAY_MS,
        now: T0 + DAY_MS,
      });
      expect(first).toEqual({ ...fitInput(), id: first.id });
      expect(second.id).toBeGreaterThan(first.id);
      expect(await store.getChurnFit()).toEqual(second);
      expect(await store.listChurnFits(10)).toEqual([second, first]);
      expect(await store.listChurnFits(1)).toEqual([second]);
    });

    it('leases the refit to one owner while it is due, and a saved fit re-arms it', async () => {
      const now = Date.now();
      expect(await store.claimChurnRefit({ now, owner: 'one', leaseMs: 60_000 })).toBe(true);
      expect(await store.claimChurnRefit({ now, owner: 'two', leaseMs: 60_000 })).toBe(false);
      // A claimer that died: its lease runs out and another takes over.
      expect(await store.claimChurnRefit({ now: now + 60_000, owner: 'two', leaseMs: 60_000 })).toBe(true);
      await store.saveChurnFit({ fit: fitInput(), nextRefitAt: now + DAY_MS, now });
      expect(await store.nextChurnRefitAt()).toBe(now + DAY_MS);
      expect(await store.claimChurnRefit({ now: now + DAY_MS - 1, owner: 'one', leaseMs: 60_000 })).toBe(false);
      expect(await store.claimChurnRefit({ now: now + DAY_MS, owner: 'one', leaseMs: 60_000 })).toBe(true);
    });

    it("gives a profile read the current fit and the profile's purchases as of now", async () => {
      await store.ingest([purchase('f', T0, { revenue: 8 }), purchase('f', T0 + 14 * DAY_MS, { revenue: 12 })]);
      const ref = { type: 'anonymousId', value: 'f' };
      expect(await store.getProfileChurnFacts({ type: 'anonymousId', value: 'nobody' }, T0)).toBeNull();
      expect(await store.getProfileChurnFacts(ref, T0 + 20 * DAY_MS)).toMatchObject({ fit: null, purchases: null });
      const fit = await store.saveChurnFit({ fit: fitInput(), nextRefitAt: T0 + DAY_MS, now: T0 });
      const facts = await store.getProfileChurnFacts(ref, T0 + 20 * DAY_MS);
      expect(facts?.fit).toEqual(fit);
      expect(facts?.purchases).toEqual({ x: 1, firstPurchaseAt: T0, lastPurchaseAt: T0 + 14 * DAY_MS, meanValue: 10 });
      // As of a moment between the two purchases only the first counts.
      expect((await store.getProfileChurnFacts(ref, T0 + DAY_MS))?.purchases?.x).toBe(0);
    });
  });
}
