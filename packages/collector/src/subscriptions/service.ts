/**
 * What the subscription routes call: checks decided by `precedence.ts` over
 * what the store keeps, changes from the API, senders, one-click links and
 * imports (all through `Store.changeSubscriptions`), and link building.
 */
import type {
  ProfileIdentifier,
  SubscriptionChannel,
  SubscriptionCheckResult,
  SubscriptionImportResult,
  SubscriptionLink,
  SubscriptionState,
  SubscriptionStatus,
} from '@exhaust/schema';
import type { IdentityConfig } from '../identity/config.js';
import type { Store, SubscriptionChangeOutcome, SubscriptionKey, SubscriptionQuery } from '../store/store.js';
import { normalizeAddress } from './address.js';
import { type ImportRow, parseImportCsv } from './csv.js';
import { CHANNELS_OF_IDENTIFIER, type SubscriptionChange } from './model.js';
import { decideCheck } from './precedence.js';
import type { SigningKeys } from './signing-keys.js';
import { encodeUnsubscribeToken, type UnsubscribeTarget, verifyUnsubscribeToken } from './token.js';
import { type SubscriptionsConfig, topicModeOf } from './topics.js';

/** Changes handed to the store per call during an import: one transaction each, so ingest is not held up long. */
export const IMPORT_CHUNK_ROWS = 1000;
/** Path of the public one-click URL, before the token. */
export const UNSUBSCRIBE_PATH = '/unsubscribe/';

export interface SubscriptionServiceDeps {
  store: Store;
  config: SubscriptionsConfig;
  identity: IdentityConfig;
  signingKeys: SigningKeys;
  /** The collector's public origin (and path prefix), for links; default: the asking request's origin. */
  publicUrl?: string | undefined;
  now: () => Date;
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;

/** @example const subscriptions = createSubscriptionService({ store, config, identity, signingKeys, now }); */
export function createSubscriptionService(deps: SubscriptionServiceDeps) {
  const { store, config } = deps;

  const check = async (channel: SubscriptionChannel, addresses: string[], topic: string | null) => {
    const queries: SubscriptionQuery[] = addresses.map((address) => ({ channel, address, topic }));
    const facts = await store.readSubscriptionFacts(queries);
    const mode = topic === null ? null : topicModeOf(config, channel, topic);
    return facts.map(
      (fact, i): SubscriptionCheckResult => ({ channel, address: addresses[i]!, topic, ...decideCheck(fact, mode) }),
    );
  };

  return {
    normalize: (channel: SubscriptionChannel, raw: unknown) => normalizeAddress(channel, raw, deps.identity),

    /** Addresses must be normalized (see `normalize`). */
    check,

    apply: (changes: SubscriptionChange[]): Promise<SubscriptionChangeOutcome[]> =>
      store.changeSubscriptions(changes, deps.now().toISOString()),

    /** The state of one (channel, address); `none` with no topics when nothing is kept. */
    async state(key: SubscriptionKey): Promise<SubscriptionState> {
      const [state] = await store.getSubscriptions([key]);
      return (
        state ?? { ...key, status: 'none' as SubscriptionStatus, since: null, source: null, proof: null, topics: {} }
      );
    },

    /** The states of a profile's email and phone addresses that have anything kept. */
    ofIdentifiers(identifiers: Pick<ProfileIdentifier, 'type' | 'value'>[]): Promise<SubscriptionState[]> {
      const keys = identifiers.flatMap((identifier) =>
        (CHANNELS_OF_IDENTIFIER[identifier.type] ?? []).map((channel) => ({ channel, address: identifier.value })),
      );
      return keys.length ? store.getSubscriptions(keys) : Promise.resolve([]);
    },

    link(target: UnsubscribeTarget, requestOrigin: string): SubscriptionLink {
      const base = (deps.publicUrl ?? requestOrigin).replace(/\/+$/, '');
      const url = `${base}${UNSUBSCRIBE_PATH}${encodeUnsubscribeToken(target, deps.signingKeys.current)}`;
      return {
        url,
        headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      };
    },

    /** The target of a token this collector signed (with any of its keys); null otherwise. */
    verify: (token: string) => verifyUnsubscribeToken(token, deps.signingKeys.all),

    async unsubscribe(target: UnsubscribeTarget): Promise<SubscriptionChangeOutcome> {
      const at = deps.now().toISOString();
      const [outcome] = await store.changeSubscriptions(
        [{ ...target, status: 'unsubscribed', source: 'one-click', at, proof: null }],
        at,
      );
      return outcome!;
    },

    async import(csv: string): Promise<SubscriptionImportResult> {
      const rows = parseImportCsv(csv, deps.identity, deps.now());
      const result: SubscriptionImportResult = { applied: 0, skipped: [] };
      for (const row of rows)
        if (!row.ok) result.skipped.push({ line: row.line, reason: 'invalid', message: row.message });
      const valid = rows.filter((row): row is Extract<ImportRow, { ok: true }> => row.ok);
      for (let start = 0; start < valid.length; start += IMPORT_CHUNK_ROWS) {
        const chunk = valid.slice(start, start + IMPORT_CHUNK_ROWS);
        const outcomes = await store.changeSubscriptions(
          chunk.map((row) => row.change),
          deps.now().toISOString(),
        );
        outcomes.forEach((outcome, i) => {
          if (outcome.applied) result.applied += 1;
          else result.skipped.push({ line: chunk[i]!.line, reason: outcome.skipped ?? 'unchanged' });
        });
      }
      result.skipped.sort((a, b) => a.line - b.line);
      return result;
    },
  };
}
