import type { Logger } from 'pino';
import { deliveryAttempts } from '../metrics.js';
import type { Store } from '../store/database.js';
import { publishEvents } from '../store/outbox.js';
import { claimDeliveries, recordAttempts, type AttemptOutcome, type ClaimedDelivery } from '../store/webhooks.js';
import { loopFaults } from './background-loop.js';
import { millisecondsFromEnv } from './env.js';
import { DEFAULT_RETRY, retryDelay, type RetryPolicy } from './retry.js';
import { DELIVERY_ID_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from './signature.js';
import { webhookClient, type WebhookClient } from './webhook-http.js';

// Webhook delivery (docs/api.md), inside the server process. Each turn publishes new outbox events (fanning
// them out to the subscribed endpoints), claims due deliveries with FOR UPDATE SKIP LOCKED and a lease,
// starts their POSTs (with a timeout) and records the outcomes of finished ones in one statement. Several
// processes on one database share the work; a process killed mid-delivery leaves leases that expire, and
// the deliveries are sent again: at least once.

export interface DeliveryOptions {
  retry: RetryPolicy;
  /** an HTTP call longer than this fails */
  timeoutMs: number;
  /** how long an idle worker sleeps before looking again */
  pollMs: number;
  /** POSTs in flight at most */
  batchSize: number;
  /** OMNIMERGE_WEBHOOK_ALLOW_PRIVATE: deliver to loopback, private and link-local addresses too (intranet receivers) */
  allowPrivate: boolean;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { retry: DEFAULT_RETRY, timeoutMs: 10_000, pollMs: 500, batchSize: 50, allowPrivate: false };

/** The options from OMNIMERGE_WEBHOOK_* variables (docs/events.md), defaults for the rest. */
export function deliveryOptionsFromEnv(env: NodeJS.ProcessEnv): DeliveryOptions {
  const number = (name: string, fallback: number) => millisecondsFromEnv(env, name, fallback);
  return {
    retry: {
      baseMs: number('OMNIMERGE_WEBHOOK_RETRY_BASE_MS', DEFAULT_RETRY.baseMs),
      maxDelayMs: number('OMNIMERGE_WEBHOOK_RETRY_MAX_MS', DEFAULT_RETRY.maxDelayMs),
      giveUpAfterMs: number('OMNIMERGE_WEBHOOK_GIVE_UP_MS', DEFAULT_RETRY.giveUpAfterMs),
    },
    timeoutMs: number('OMNIMERGE_WEBHOOK_TIMEOUT_MS', DEFAULT_DELIVERY.timeoutMs),
    pollMs: number('OMNIMERGE_WEBHOOK_POLL_MS', DEFAULT_DELIVERY.pollMs),
    batchSize: DEFAULT_DELIVERY.batchSize,
    allowPrivate: allowPrivateWebhooks(env),
  };
}

/** OMNIMERGE_WEBHOOK_ALLOW_PRIVATE: `true` lets webhook endpoints point at private and loopback addresses. */
export function allowPrivateWebhooks(env: NodeJS.ProcessEnv): boolean {
  const text = env.OMNIMERGE_WEBHOOK_ALLOW_PRIVATE;
  if (text === undefined || text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw new Error(`OMNIMERGE_WEBHOOK_ALLOW_PRIVATE must be true or false, not "${text}"`);
}

export interface DeliveryWorker {
  /** stops claiming, waits for the POSTs in flight (they end within the timeout), records them, stops */
  stop(): Promise<void>;
}

export function startDelivery(store: Store, options: DeliveryOptions, logger?: Logger): DeliveryWorker {
  // The lease outlives the HTTP timeout, so a delivery is never in flight from two workers at once.
  const leaseMs = 2 * options.timeoutMs + 1000;
  const inFlight = new Set<Promise<void>>();
  const finished: AttemptOutcome[] = [];
  let stopping = false;
  let wake: () => void = () => {};
  const http = webhookClient(options);
  const faults = loopFaults('webhook delivery', logger);

  // Up to batchSize POSTs are in flight; a slow endpoint holds only its own slots. The outcomes of the
  // ones that finished are recorded together, in one statement, at the next turn, which comes after a
  // quarter of the batch finished, all of it, or pollMs.
  const turn = async (): Promise<boolean> => {
    const outcomes = finished.splice(0);
    try {
      if (outcomes.length > 0) {
        await recordAttempts(store.db, outcomes);
        for (const o of outcomes) deliveryAttempts.inc({ result: o.delivered ? 'delivered' : o.retry_in_ms === null ? 'dead' : 'failed' });
      }
    } catch (err) {
      // kept for the next turn (the database may be away); when stopping, their leases expire and they are sent again
      if (!stopping) finished.unshift(...outcomes);
      throw err;
    }
    if (stopping) return false;
    const published = await publishEvents(store, { skipIfBusy: true });
    const free = options.batchSize - inFlight.size;
    const { claimed, putOff } = free > 0 ? await claimDeliveries(store.db, free, leaseMs) : { claimed: [], putOff: 0 };
    for (const delivery of claimed) {
      const sending: Promise<void> = attempt(http, delivery, options).then((outcome) => {
        if (!outcome.delivered) {
          logger?.warn(
            { endpoint_id: delivery.endpoint_id, event_id: delivery.event.id, delivery_id: delivery.delivery_id, attempt: delivery.attempts, error: outcome.error },
            'webhook delivery failed',
          );
        }
        finished.push(outcome);
        inFlight.delete(sending);
        // a turn per quarter batch of outcomes (or when all are back), not per outcome
        if (inFlight.size === 0 || finished.length >= options.batchSize / 4) wake();
      });
      inFlight.add(sending);
    }
    return outcomes.length > 0 || published > 0 || claimed.length > 0 || putOff > 0;
  };

  const loop = async () => {
    while (!stopping || inFlight.size > 0 || finished.length > 0) {
      let busy = false;
      let failed = false;
      try {
        busy = await turn();
        faults.succeeded();
      } catch (err) {
        faults.failed(err);
        failed = true;
      }
      const due = finished.length >= options.batchSize / 4 || (inFlight.size === 0 && finished.length > 0);
      // after a failed turn the loop pauses even with outcomes to record: no spinning on an absent database
      if (failed || (!due && (!busy || inFlight.size > 0))) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  };
  const running = loop();

  return {
    stop: async () => {
      stopping = true;
      wake();
      await running;
      await http.close();
    },
  };
}

/** One POST of one delivery; never throws: a failure is an outcome with the wait before the next try. */
async function attempt(http: WebhookClient, delivery: ClaimedDelivery, options: DeliveryOptions): Promise<AttemptOutcome> {
  const body = JSON.stringify(delivery.event);
  const started = Date.now();
  const timestamp = Math.floor(started / 1000);
  const answer = await http.post({
    url: delivery.url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'omnimerge-webhooks',
      [SIGNATURE_HEADER]: signDelivery(delivery.secret, timestamp, body),
      [TIMESTAMP_HEADER]: String(timestamp),
      [EVENT_ID_HEADER]: delivery.event.id,
      [DELIVERY_ID_HEADER]: delivery.delivery_id,
    },
    body,
  });
  const statusCode = 'status' in answer ? answer.status : null;
  const error =
    'error' in answer ? answer.error : answer.status >= 200 && answer.status < 300 ? null : `HTTP ${answer.status}${answer.excerpt ? `: ${answer.excerpt}` : ''}`;
  const delivered = error === null;
  return {
    project_id: delivery.event.project_id,
    delivery_id: delivery.delivery_id,
    attempts: delivery.attempts,
    delivered,
    retry_in_ms: delivered ? null : retryDelay(delivery.attempts, options.retry),
    status_code: statusCode,
    error,
    duration_ms: Date.now() - started,
  };
}
