import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

// A small typed client of the omnimerge API: the types are generated from the server's OpenAPI document
// (npm run sdk:generate in the omnimerge repository); calls go through openapi-fetch.

export type { components, operations, paths };
type Schemas = components['schemas'];

export type Contact = Schemas['Contact'];
export type ContactCard = Schemas['ContactCard'];
export type Identity = Schemas['Identity'];
export type Bot = Schemas['Bot'];
export type Conversation = Schemas['Conversation'];
export type Message = Schemas['Message'];
export type Note = Schemas['Note'];
export type Settings = Schemas['Settings'];
export type MergeAnswer = Schemas['MergeAnswer'];
export type MergeCounts = Schemas['MergeCounts'];
export type MergeLink = Schemas['MergeLink'];
export type MergeRule = Schemas['MergeRule'];
export type MergeSuggestion = Schemas['MergeSuggestion'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type InboundAnswer = Schemas['InboundAnswer'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type ErrorBody = Schemas['Error'];
/** Every event, in a webhook delivery and in GET /v1/events: narrow it with `event.type`. */
export type OmnimergeEvent = Schemas['Event'];
export type EventType = OmnimergeEvent['type'];
/** The event of one type, e.g. `EventOf<'contact.merged'>`. */
export type EventOf<T extends EventType> = Extract<OmnimergeEvent, { type: T }>;

/** An answer that is not a success, with the server's code and message (`{"error": {"code", "message"}}`). */
export class OmnimergeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OmnimergeError';
  }
}

export interface RetryOptions {
  /** attempts after the first; default 3 */
  retries?: number;
  /** the first wait, doubled after each attempt (with jitter), in ms; default 500 */
  minDelayMs?: number;
  /** no wait is longer, in ms; default 10 000 */
  maxDelayMs?: number;
}

export interface OmnimergeClientOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** the server, e.g. `http://127.0.0.1:8080` */
  baseUrl: string;
  /** a project's API key (`omnimerge project create` prints one) */
  apiKey: string;
  headers?: Record<string, string>;
  retry?: RetryOptions | false;
}

export type OmnimergeClient = Client<paths>;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Whether an answer is worth another attempt: throttled or unavailable always, other 5xx when repeating is safe. */
function retryable(method: string, status: number): boolean {
  return status === 429 || status === 503 || (status >= 500 && IDEMPOTENT.has(method));
}

function waitMs(attempt: number, options: Required<RetryOptions>, retryAfter: string | null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, options.maxDelayMs);
  const ceiling = Math.min(options.minDelayMs * 2 ** attempt, options.maxDelayMs);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * fetch with retries of 429 and 503 answers (and other 5xx of idempotent calls, and network failures of
 * idempotent calls), with exponential backoff and jitter; a Retry-After header sets the wait.
 */
export function retryingFetch(options: RetryOptions = {}, fetchImpl: (request: Request) => Promise<Response> = globalThis.fetch): (request: Request) => Promise<Response> {
  const settings: Required<RetryOptions> = { retries: 3, minDelayMs: 500, maxDelayMs: 10_000, ...options };
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= settings.retries;
      let response: Response;
      try {
        response = await fetchImpl(request.clone());
      } catch (err) {
        if (last || !IDEMPOTENT.has(request.method)) throw err;
        await new Promise((resolve) => setTimeout(resolve, waitMs(attempt, settings, null)));
        continue;
      }
      if (last || !retryable(request.method, response.status)) return response;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, waitMs(attempt, settings, response.headers.get('retry-after'))));
    }
  };
}

/** A client of the omnimerge API for one project. */
export function createOmnimergeClient({ baseUrl, apiKey, headers, retry, fetch: fetchImpl, ...rest }: OmnimergeClientOptions): OmnimergeClient {
  const base = fetchImpl ?? globalThis.fetch;
  return createClient<paths>({
    ...rest,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...headers, authorization: `Bearer ${apiKey}` },
    fetch: retry === false ? base : retryingFetch(retry ?? {}, base),
  });
}

/**
 * The data of a call, or an OmnimergeError carrying the server's code:
 * `const contact = await unwrap(client.GET('/v1/contacts/{id}', { params: { path: { id } } }))`.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error ?? null) as Partial<ErrorBody> | null;
  throw new OmnimergeError(response.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `the server answered ${response.status} ${response.statusText}`);
}

/**
 * Every item of a cursor-paged list, page after page: `for await (const c of paginate((cursor) =>
 * client.GET('/v1/contacts', { params: { query: { cursor, limit: 200 } } }))) …`.
 */
export async function* paginate<T>(
  page: (cursor: string | undefined) => Promise<{ data?: { items: T[]; next_cursor: string | null }; error?: unknown; response: Response }>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const { items, next_cursor } = await unwrap(page(cursor));
    yield* items;
    cursor = next_cursor ?? undefined;
  } while (cursor !== undefined);
}

export { verifyWebhook, WebhookVerificationError, type WebhookHeaders } from './webhooks.js';
