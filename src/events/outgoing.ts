import type { Logger } from 'pino';
import { DeliveryDeferred, DeliveryRefused } from '../channels/kit.js';
import type { Store } from '../store/database.js';
import { claimOutgoing, recordSendOutcome, type ClaimedMessage, type SendOutcome } from '../store/outgoing.js';
import type { Connectors } from '../usecases/send-message.js';
import { loopFaults } from './background-loop.js';
import { millisecondsFromEnv } from './env.js';
import { retryDelay, type RetryPolicy } from './retry.js';

// The sending worker: every outgoing message is written `queued` first and sent from here, so
// a messenger outage or a restart loses nothing. Each turn claims due messages (FOR UPDATE SKIP LOCKED,
// with a lease longer than an API call may take), sends them through their connectors, and records each
// outcome: `sent` with the platform's message id, `failed` with the messenger's reason, or `queued` again
// after a transient failure (refused connection, timeout, 429 — waiting its Retry-After —, 5xx) with
// backoff until the message's time to give up. Several processes on one database share the queue.

export interface SendingOptions {
  /** the backoff between attempts (src/events/retry.ts); giving up is by time, `giveUpMs` */
  retry: Pick<RetryPolicy, 'baseMs' | 'maxDelayMs'>;
  /** a message not sent this long after it was written (or retried) fails with its last reason */
  giveUpMs: number;
  /** one call to a messenger's API may take this long */
  timeoutMs: number;
  /** how long an idle worker sleeps before looking again */
  pollMs: number;
  /** sends in flight at most */
  batchSize: number;
  /** `?wait=true` waits this long at most for a message to be sent */
  waitMs: number;
  /**
   * only these projects' messages; unset: every project's. Test servers sharing one PostgreSQL, each
   * with its own messenger stand-ins, send only for the projects they made.
   */
  projects?: ReadonlySet<string>;
}

export const DEFAULT_SENDING: SendingOptions = {
  retry: { baseMs: 1000, maxDelayMs: 60_000 },
  giveUpMs: 10 * 60_000,
  timeoutMs: 10_000,
  pollMs: 500,
  batchSize: 20,
  waitMs: 5000,
};

/** The options from OMNIMERGE_SEND_* variables (docs/messengers.md), defaults for the rest. */
export function sendingOptionsFromEnv(env: NodeJS.ProcessEnv): SendingOptions {
  const number = (name: string, fallback: number) => millisecondsFromEnv(env, name, fallback);
  return {
    retry: { baseMs: number('OMNIMERGE_SEND_RETRY_BASE_MS', DEFAULT_SENDING.retry.baseMs), maxDelayMs: number('OMNIMERGE_SEND_RETRY_MAX_MS', DEFAULT_SENDING.retry.maxDelayMs) },
    giveUpMs: number('OMNIMERGE_SEND_GIVE_UP_MS', DEFAULT_SENDING.giveUpMs),
    timeoutMs: number('OMNIMERGE_SEND_TIMEOUT_MS', DEFAULT_SENDING.timeoutMs),
    pollMs: number('OMNIMERGE_SEND_POLL_MS', DEFAULT_SENDING.pollMs),
    batchSize: DEFAULT_SENDING.batchSize,
    waitMs: number('OMNIMERGE_SEND_WAIT_MS', DEFAULT_SENDING.waitMs),
  };
}

/** Why a send interrupted by a crash is not repeated on a messenger without an idempotency key. */
export const INTERRUPTED =
  'the server stopped while this message was being sent, so the messenger may or may not have it; check the chat, then retry it if it is not there';

export interface SendingWorker {
  /** looks for due messages now (a message was just queued) */
  wake(): void;
  /** one turn: claims due messages and starts their sends; true when it found work (for a loop wrapper) */
  turn(): Promise<boolean>;
  /** stops claiming, waits for the sends in flight (they end within the timeout) and their records */
  stop(): Promise<void>;
}

export function startSending(store: Store, connectors: Connectors, options: SendingOptions, logger?: Logger | false): SendingWorker {
  // The lease outlives an API call, so a message is never in flight from two workers at once.
  const leaseMs = 2 * options.timeoutMs + 1000;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wakeUp: () => void = () => {};
  let woken = false;

  const turn = async (): Promise<boolean> => {
    const free = options.batchSize - inFlight.size;
    if (stopping || free <= 0) return false;
    const claimed = await claimOutgoing(store.db, free, leaseMs, options.projects && [...options.projects]);
    for (const message of claimed) {
      const sending: Promise<void> = attempt(message, connectors, options)
        .then((outcome) => recordSendOutcome(store, outcome))
        .then(
          () => undefined,
          // unrecorded, the lease runs out and the message is claimed again as interrupted
          (err) => {
            if (logger) logger.error({ err, message_id: message.id }, 'could not record a send');
          },
        )
        .finally(() => {
          inFlight.delete(sending);
          // the next message to the same person may be due now
          wake();
        });
      inFlight.add(sending);
    }
    return claimed.length > 0;
  };

  const wake = () => {
    woken = true;
    wakeUp();
  };

  // a database outage pauses the loop (logged once) and it resumes by itself (src/events/background-loop.ts)
  const faults = loopFaults('sending messages', logger || undefined);
  const loop = async () => {
    while (!stopping) {
      woken = false;
      let busy = false;
      let failed = false;
      try {
        busy = await turn();
        faults.succeeded();
      } catch (err) {
        faults.failed(err);
        failed = true;
      }
      if (!failed && (busy || woken || stopping)) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = () => {};
    }
    await Promise.all(inFlight);
  };
  const running = loop();

  return {
    wake,
    turn,
    stop: async () => {
      stopping = true;
      wakeUp();
      await running;
    },
  };
}

/** One attempt at one message; never throws: every failure is an outcome. */
async function attempt(message: ClaimedMessage, connectors: Connectors, options: SendingOptions): Promise<SendOutcome> {
  const outcome = { projectId: message.project_id, messageId: message.id, attempts: message.attempts, externalMessageId: null, retryInMs: null, unreachable: false };
  const failed = (error: string, unreachable = false): SendOutcome => ({ ...outcome, state: 'failed', error, unreachable });
  const connector = connectors[message.channel];
  const bot = message.bot;
  if (!connector || !bot || bot.token === null) return failed(`the ${message.channel} bot can no longer send (it has no token or was disconnected); connect it with a token and retry`);
  if (message.interrupted && !connector.idempotent) return failed(INTERRUPTED);
  try {
    const delivery = await connector.send({ ...bot, token: bot.token }, message.external_user_id, message.text, message.id);
    return { ...outcome, state: 'sent', error: null, externalMessageId: delivery.external_message_id };
  } catch (err) {
    if (err instanceof DeliveryRefused) return failed(err.message, err.unreachable);
    const reason = describeFailure(err, options.timeoutMs);
    const backoff = retryDelay(message.attempts, { ...options.retry, giveUpAfterMs: Number.MAX_SAFE_INTEGER }) ?? options.retry.maxDelayMs;
    const wait = Math.max(backoff, err instanceof DeliveryDeferred ? (err.retryAfterMs ?? 0) : 0);
    if (Date.now() + wait > message.give_up_at.getTime()) {
      return failed(`${reason} (gave up after ${message.attempts} ${message.attempts === 1 ? 'attempt' : 'attempts'})`);
    }
    return { ...outcome, state: 'queued', error: reason, retryInMs: Math.round(wait) };
  }
}

/** A transient failure in words: the messenger's answer, or what kept the request from it. */
function describeFailure(err: unknown, timeoutMs: number): string {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (err instanceof DeliveryDeferred) return error.message;
  const cause = error.cause;
  if (cause?.code === 'ECONNREFUSED') return 'the messenger refused the connection (ECONNREFUSED)';
  return cause?.code ?? cause?.message ?? error.message;
}
