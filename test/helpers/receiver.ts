import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryOptions } from '../../src/events/delivery.js';
import { verifyOmnimergeWebhook, type OmnimergeEvent } from '../../docs/webhook-receiver.js';

// A real HTTP receiver for webhook tests, on 127.0.0.1: it can be down (refuses connections), fail
// (answers 500), hang (holds requests without an answer) or be up; it checks every delivery with the
// receiver code from docs/events.md and notes when one event is in flight twice at once.

/**
 * Delivery settings for tests, in seconds instead of a day. Every worker on a test database uses the
 * same retry policy (workers of parallel test files share a PostgreSQL database and each other's
 * deliveries). The timeout is generous: PGlite shares the test's process and can stall it for a second.
 */
export const FAST_DELIVERY: Pick<DeliveryOptions, 'pollMs' | 'timeoutMs' | 'retry'> = {
  pollMs: 20,
  timeoutMs: 5_000,
  retry: { baseMs: 20, maxDelayMs: 100, giveUpAfterMs: 1_500 },
};

export const FAST_DELIVERY_ENV = {
  OMNIMERGE_WEBHOOK_POLL_MS: String(FAST_DELIVERY.pollMs),
  OMNIMERGE_WEBHOOK_TIMEOUT_MS: String(FAST_DELIVERY.timeoutMs),
  OMNIMERGE_WEBHOOK_RETRY_BASE_MS: String(FAST_DELIVERY.retry.baseMs),
  OMNIMERGE_WEBHOOK_RETRY_MAX_MS: String(FAST_DELIVERY.retry.maxDelayMs),
  OMNIMERGE_WEBHOOK_GIVE_UP_MS: String(FAST_DELIVERY.retry.giveUpAfterMs),
  // the receivers listen on 127.0.0.1
  OMNIMERGE_WEBHOOK_ALLOW_PRIVATE: 'true',
};

export type ReceiverMode = 'up' | 'failing' | 'hang';

export interface Arrival {
  event: OmnimergeEvent | null;
  headers: IncomingHttpHeaders;
  /** the answer's status; null while held or when the sender went away */
  status: number | null;
}

export interface Receiver {
  url: string;
  mode: ReceiverMode;
  /** answer after this many ms */
  delayMs: number;
  arrivals: Arrival[];
  /** acknowledged events, in the order they were acknowledged */
  acknowledged: () => OmnimergeEvent[];
  /** requests held in 'hang' mode right now */
  held: () => number;
  /** times an event arrived while the same event was still in flight */
  overlaps: number;
  down: () => Promise<void>;
  up: () => Promise<void>;
  close: () => Promise<void>;
}

export async function startReceiver(secret: () => string): Promise<Receiver> {
  const inFlight = new Set<string>();
  const held = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const event = verifyOmnimergeWebhook(secret(), request.headers, raw);
      const arrival: Arrival = { event, headers: request.headers, status: null };
      receiver.arrivals.push(arrival);
      const id = String(request.headers['x-omnimerge-event-id']);
      if (inFlight.has(id)) receiver.overlaps++;
      inFlight.add(id);
      const answer = (status: number) => {
        inFlight.delete(id);
        arrival.status = status;
        response.writeHead(status).end();
      };
      if (receiver.mode === 'hang') {
        held.add(response);
        response.on('close', () => {
          held.delete(response);
          inFlight.delete(id);
        });
        return;
      }
      const status = event === null ? 401 : receiver.mode === 'failing' ? 500 : 200;
      setTimeout(() => answer(status), receiver.delayMs);
    });
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/omnimerge`,
    mode: 'up',
    delayMs: 0,
    arrivals: [],
    acknowledged: () => receiver.arrivals.filter((a) => a.status === 200).map((a) => a.event!),
    held: () => held.size,
    overlaps: 0,
    down: stopListening,
    up: () => listen(port),
    close: stopListening,
  };
  return receiver;
}

/** Waits until `check` holds, looking every 50 ms; fails with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether each contact's events were acknowledged in the order they were published. */
export function inOrderPerContact(events: OmnimergeEvent[]): boolean {
  const last = new Map<string, bigint>();
  for (const event of events) {
    if (event.contact_id === null) continue;
    const id = BigInt(event.id);
    if ((last.get(event.contact_id) ?? -1n) >= id) return false;
    last.set(event.contact_id, id);
  }
  return true;
}
