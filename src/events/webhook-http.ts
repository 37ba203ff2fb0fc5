import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, request } from 'undici';
import { refusedAddressReason, refusedHostReason } from '../domain/webhook-address.js';

// The HTTP side of webhook delivery (docs/events.md). The connection goes to the address the host name
// resolved to and was checked against (an undici Agent whose `lookup` filters), so a name that answers
// a public address to a check and a private one to the connect cannot slip through. Redirects are not
// followed. Of the answer only the status and a short excerpt are kept, and reading stops at the cap, so
// an endpoint answering hundreds of megabytes costs nothing. Errors say "connection failed" whatever the
// reason, so the delivery log cannot be used to scan ports.

/** Bytes of an answer read at most; the rest is never read. */
export const ANSWER_READ_LIMIT = 1024;
/** Characters of an answer kept in the delivery log. */
export const ANSWER_EXCERPT = 200;

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type WebhookAnswer = { status: number; excerpt: string } | { error: string };

export interface WebhookClient {
  post(post: WebhookPost): Promise<WebhookAnswer>;
  close(): Promise<void>;
}

class RefusedAddress extends Error {
  readonly code = 'OMNIMERGE_REFUSED_ADDRESS';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup, but an answer with any address out of the public range fails the connect. */
function guardedLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true } as { all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    for (const { address } of addresses) {
      const reason = refusedAddressReason(address);
      if (reason !== null) return callback(new RefusedAddress(`${hostname} resolves to ${reason}`), []);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

export function webhookClient({ timeoutMs, allowPrivate }: { timeoutMs: number; allowPrivate: boolean }): WebhookClient {
  const agent = new Agent({
    connect: { timeout: timeoutMs, ...(allowPrivate ? {} : { lookup: guardedLookup }) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return {
    async post({ url, headers, body }) {
      if (!allowPrivate) {
        // an address literal is connected to without a lookup: check it here (and names refused outright)
        const reason = refusedHostReason(new URL(url));
        if (reason !== null) return { error: `address refused: ${reason}` };
      }
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const answer = await request(url, { dispatcher: agent, method: 'POST', headers, body, signal });
        return { status: answer.statusCode, excerpt: await readCapped(answer.body) };
      } catch (err) {
        if (err instanceof RefusedAddress) return { error: `address refused: ${err.message}` };
        if (signal.aborted) return { error: `no answer within ${timeoutMs} ms` };
        const code = (err as { code?: string }).code;
        if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { error: `host not found: ${new URL(url).hostname}` };
        return { error: 'connection failed' };
      }
    },
    close: () => agent.close(),
  };
}

/** The start of an answer, as text; reading stops after ANSWER_READ_LIMIT bytes and the rest is dropped. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ANSWER_READ_LIMIT) break; // leaving the loop destroys the stream: the rest is never read
    }
  } catch {
    // an answer cut short still has its status
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_READ_LIMIT).toString('utf8').replace(/\uFFFD+$/, '').slice(0, ANSWER_EXCERPT).trim();
}
