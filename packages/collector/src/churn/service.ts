/**
 * Fits the churn model on the store's purchase history: one aggregated read of
 * per-profile purchase summaries, the pure BG/NBD fit, and the fit kept in the
 * store (which makes it current and re-arms the refit schedule). Used by
 * `POST /v1/models/churn/fit` and the scheduled refit alike.
 */
import type { ChurnFit } from '@exhaust/schema';
import { type BgNbdCustomer, fitBgNbd } from '../activation/churn/index.js';
import { MS_PER_WEEK } from '../activation/churn/summary.js';
import type { Store } from '../store/store.js';
import type { ChurnConfig } from './config.js';

export interface FitRequest {
  /** Epoch ms; default now. */
  asOf?: number;
  event?: string;
  valueProperty?: string | null;
}

export interface ChurnService {
  /** Fits (or records `insufficient_data`) and keeps the result; answers it. */
  fit(request?: FitRequest): Promise<ChurnFit>;
}

/**
 * @example
 * const churn = createChurnService({ store, config: DEFAULT_CHURN_CONFIG });
 * await churn.fit({ asOf: Date.parse('2026-01-01') });
 */
export function createChurnService(options: { store: Store; config: ChurnConfig; now?: () => number }): ChurnService {
  const { store, config } = options;
  const now = options.now ?? Date.now;
  return {
    async fit(request = {}) {
      const fittedAt = now();
      const asOf = request.asOf ?? fittedAt;
      const event = request.event ?? config.event;
      const valueProperty = request.valueProperty === undefined ? config.valueProperty : request.valueProperty;
      const rows = await store.readPurchaseSummaries({ event, valueProperty, asOf });
      const customers: BgNbdCustomer[] = rows.map((row) => ({
        x: row.purchaseDays - 1,
        tx: (row.lastPurchaseAt - row.firstPurchaseAt) / MS_PER_WEEK,
        T: (asOf - row.firstPurchaseAt) / MS_PER_WEEK,
      }));
      const base = {
        customers: customers.length,
        fittedAt: new Date(fittedAt).toISOString(),
        asOf: new Date(asOf).toISOString(),
        event,
        valueProperty,
        bands: config.bands,
        minPurchasers: config.minPurchasers,
      };
      const fit: Omit<ChurnFit, 'id'> =
        customers.length < config.minPurchasers
          ? { ...base, status: 'insufficient_data', params: null, logLikelihood: null, converged: false, iterations: 0 }
          : (() => {
              const result = fitBgNbd(customers);
              return {
                ...base,
                status: 'fitted',
                params: result.params,
                logLikelihood: result.logLikelihood,
                converged: result.converged,
                iterations: result.iterations,
              };
            })();
      return store.saveChurnFit({ fit, nextRefitAt: fittedAt + config.refitEveryMs, now: now() });
    },
  };
}
