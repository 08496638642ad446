/**
 * The delivery worker: claims due deliveries from the store's outbox with a
 * lease, sends them (at most N at once per endpoint, enforced by the store
 * across every collector), and records each attempt with its verdict. Nothing
 * lives only here: a crash leaves leased rows that another claimer (or this
 * one after a restart) takes once the lease ends, so a delivery is sent at
 * least once. The timer is only an alarm clock: it wakes at the next due
 * instant, when a send finishes, and at least every DELIVERY_MAX_SLEEP_MS.
 */
import { randomUUID } from 'node:crypto';
import { type Logger, silentLogger } from '../log.js';
import { createAlarmLoop, type NextWake } from '../scheduling/alarm-loop.js';
import type { ClaimedDelivery, DeliveryVerdict, RecordAttemptInput, Store } from '../store/store.js';
import { classifyAttempt } from './classify.js';
import { createDeliverer, type Deliverer } from './deliverer.js';
import { nextRetryDelay } from './schedule.js';

/** Longest the worker sleeps before asking the store again (a delivery may have been queued). */
export const DELIVERY_MAX_SLEEP_MS = 500;
/** Shortest sleep after a pass that found nothing claimable (rows waiting behind order or concurrency). */
export const DELIVERY_MIN_SLEEP_MS = 20;
/** Requests in flight at once in this process, across endpoints. */
export const MAX_IN_FLIGHT_DELIVERIES = 256;
/** How much longer than the request timeout a claim holds (recording the attempt takes time too). */
export const DELIVERY_LEASE_MARGIN_MS = 5_000;

/** Default request timeout (Standard Webhooks suggests 15 to 30 s). */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 15_000;
/** Default requests in flight per endpoint. */
export const DEFAULT_CONCURRENCY_PER_ENDPOINT = 4;
/** Default time an endpoint may fail every attempt before it is disabled (Svix: 5 days). */
export const DEFAULT_DISABLE_AFTER_MS = 5 * 24 * 3_600_000;

/** The config file's `webhooks`, validated. */
export interface WebhooksConfig {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  concurrencyPerEndpoint: number;
  retryScheduleMs: number[];
  disableAfterMs: number;
}

export interface DeliveryWorkerOptions {
  store: Store;
  config: WebhooksConfig;
  userAgent: string;
  logger?: Logger;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** Jitter source; default Math.random. */
  random?: () => number;
}

export interface DeliveryWorker {
  start(): void;
  /** Stops claiming and waits for requests in flight (each bounded by the timeout) to finish and be recorded. */
  stop(): Promise<void>;
}

/**
 * @example
 * const worker = createDeliveryWorker({ store, config: config.webhooks, userAgent: 'Exhaust/0.1.0' });
 * worker.start(); // ... await worker.stop() before store.close()
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { store, config } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const owner = `deliver-${randomUUID()}`;
  const deliverer: Deliverer = createDeliverer({ ...config, userAgent: options.userAgent, now });
  const inFlight = new Set<Promise<void>>();
  // Finished attempts wait here and are recorded together: one transaction (one fsync) for many.
  const unrecorded: { input: RecordAttemptInput; done: () => void }[] = [];
  let recording: Promise<void> | null = null;

  const recordAll = async (): Promise<void> => {
    while (unrecorded.length > 0) {
      const batch = unrecorded.splice(0);
      try {
        await store.recordDeliveryAttempts(batch.map((entry) => entry.input));
      } catch (error) {
        // Unrecorded, the leases run out and the deliveries are sent again: at least once.
        logger.warn('webhook attempts not recorded', { count: batch.length, error: String(error) });
      }
      for (const entry of batch) entry.done();
    }
  };
  const startRecording = (): void => {
    if (recording) return;
    recording = recordAll().finally(() => {
      recording = null;
      if (unrecorded.length > 0) startRecording();
    });
  };
  const record = (input: RecordAttemptInput) =>
    new Promise<void>((resolve) => {
      unrecorded.push({ input, done: resolve });
      startRecording();
    });

  const verdictFor = (delivery: ClaimedDelivery, outcome: Awaited<ReturnType<Deliverer['deliver']>>, at: number) => {
    const classification = classifyAttempt(outcome.result, at);
    if (classification.kind === 'delivered') return { kind: 'delivered' } as DeliveryVerdict;
    if (classification.kind === 'gone') {
      return { kind: 'gone', reason: 'the receiver answered 410 Gone' } as DeliveryVerdict;
    }
    const delay = nextRetryDelay(
      config.retryScheduleMs,
      delivery.attemptsInRound + 1,
      classification.retryAfterMs,
      random,
    );
    return (delay === null ? { kind: 'failed' } : { kind: 'retry', at: at + delay }) as DeliveryVerdict;
  };

  const send = async (delivery: ClaimedDelivery): Promise<void> => {
    const at = now();
    const outcome = await deliverer.deliver({
      id: delivery.id,
      url: delivery.url,
      payload: delivery.payload,
      secrets: delivery.secrets,
    });
    const { result } = outcome;
    await record({
      id: delivery.id,
      owner,
      at,
      statusCode: result.statusCode,
      durationMs: outcome.durationMs,
      response: outcome.response,
      error: result.statusCode === null ? result.error : null,
      verdict: verdictFor(delivery, outcome, now()),
      disableAfterMs: config.disableAfterMs,
    });
  };

  /** Claims what fits in the free slots and sends it without waiting; says when to claim again. */
  const claimAndSend = async (): Promise<NextWake> => {
    const room = MAX_IN_FLIGHT_DELIVERIES - inFlight.size;
    const claimed =
      room > 0
        ? await store.claimDeliveries({
            now: now(),
            owner,
            leaseMs: config.timeoutMs + DELIVERY_LEASE_MARGIN_MS,
            limit: room,
            concurrencyPerEndpoint: config.concurrencyPerEndpoint,
          })
        : [];
    for (const delivery of claimed) {
      const running: Promise<void> = send(delivery).finally(() => {
        inFlight.delete(running);
        // A slot is free and the next delivery of its key may be claimable now.
        loop.wake();
      });
      inFlight.add(running);
    }
    if (claimed.length === room && room > 0) return 'now';
    return store.nextDeliveryAt();
  };

  const loop = createAlarmLoop({
    name: 'webhook delivery',
    maxSleepMs: DELIVERY_MAX_SLEEP_MS,
    minSleepMs: DELIVERY_MIN_SLEEP_MS,
    logger,
    now,
    pass: claimAndSend,
  });

  return {
    start: loop.start,
    async stop() {
      await loop.stop();
      await Promise.all([...inFlight]);
      deliverer.close();
    },
  };
}
