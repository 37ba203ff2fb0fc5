import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { DomainError } from '../domain/errors.js';
import type { BotRow } from '../store/bots.js';
import type { WebhookEvents, WebhookInbound } from '../usecases/receive-webhook.js';
import type { Delivery } from '../usecases/send-message.js';

// What every messenger adapter is made of (docs/messengers.md): verify a webhook the messenger's way, read its
// payload into inbound resolution's input, answer what it expects, and send a text through its API.

/** One person's event as an adapter reads it: inbound resolution's input without the bot. */
export type ChannelInbound = WebhookInbound;

export interface WebhookRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** the body as JSON (VK carries its secret inside it) */
  payload: unknown;
}

export interface ParsedWebhook extends WebhookEvents {
  /** VK's address confirmation: answer the code, store nothing */
  confirmation?: boolean;
}

export interface WebhookAnswer {
  contentType: 'application/json' | 'text/plain';
  body: string;
}

export interface MessengerAdapter {
  /** the messenger's public API; `OMNIMERGE_<CHANNEL>_API_URL` replaces it (tests, proxies) */
  defaultApiUrl: string;
  /** body text → JSON value; default JSON.parse */
  decode?: (text: string) => unknown;
  /** throws `invalid_signature` (or `webhook_not_configured`) unless the messenger sent it */
  verify(request: WebhookRequest, bot: BotRow): void;
  /** throws `invalid_payload` when the payload is not the messenger's shape */
  parse(payload: unknown): ParsedWebhook;
  answer(parsed: ParsedWebhook, bot: BotRow): WebhookAnswer;
  /** Meta's `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` */
  handshake?: (query: Record<string, unknown>, bot: BotRow) => string;
  send(api: string, bot: BotRow & { token: string }, to: string, text: string, messageId: string): Promise<Delivery>;
  /**
   * true when repeating a send with the same message id cannot post twice (VK's random_id, LINE's
   * retry key): a send interrupted by a crash is then repeated; otherwise it fails, to be retried by hand.
   */
  idempotent: boolean;
}

export const OK_JSON: WebhookAnswer = { contentType: 'application/json', body: '{"ok":true}' };

export function emptyWebhook(): ParsedWebhook {
  return { inbound: [], unsubscribed: [] };
}

// ---- verification ---------------------------------------------------------------------------

export function header(request: WebhookRequest, name: string): string | null {
  const value = request.headers[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Compares secrets in constant time (hashing first makes lengths equal). */
export function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function hmacSha256(key: string, body: Buffer, encoding: 'hex' | 'base64'): string {
  return createHmac('sha256', key).update(body).digest(encoding);
}

export function requireKey(bot: BotRow, key: string | null, what: string): string {
  if (!key) {
    throw new DomainError('webhook_not_configured', `bot ${bot.id} has no ${what}; connect it again with "secret" set to receive its webhooks`);
  }
  return key;
}

export function forged(what: string): DomainError {
  return new DomainError('invalid_signature', `${what} is missing or does not match the bot's secret; nothing was stored`);
}

// ---- payloads -------------------------------------------------------------------------------

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The payload as the messenger documents it, or `invalid_payload` naming the first field that is off. */
export function readPayload<T extends TSchema>(schema: T, payload: unknown, messenger: string): Static<T> {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = TypeCompiler.Compile(schema)));
  if (check.Check(payload)) return payload as Static<T>;
  const first = check.Errors(payload).First();
  const at = first?.path ? `at ${first.path.replace(/\//g, '.').replace(/^\./, '')} ` : '';
  throw new DomainError('invalid_payload', `this is not a ${messenger} webhook payload: ${at}${first?.message ?? 'unexpected shape'}`);
}

/**
 * The idempotency key of an event that has no platform message id (a Meta postback or referral): the
 * sender, the messenger's timestamp and what the event carries, so a redelivery is stored once.
 */
export function stableEventId(kind: string, ...parts: Array<string | number | undefined>): string {
  const digest = createHash('sha256').update(JSON.stringify(parts.map((p) => p ?? null))).digest('base64url');
  return `${kind}:${digest.slice(0, 32)}`;
}

/** Drops the fields a messenger left out, so a referral or attachment carries only what was given. */
export function defined<T extends Record<string, unknown>>(record: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== null && v !== '')) as never;
}

/** A location as an RFC 5870 `geo:` URI: every attachment has one place to point at. */
export const geoUri = (latitude: number, longitude: number) => `geo:${latitude},${longitude}`;

/** The text, or undefined when it is empty: an event without text stores no text. */
export function textOf(...candidates: Array<string | undefined>): string | undefined {
  return candidates.find((t) => t !== undefined && t !== '');
}

// ---- delivery ----------------------------------------------------------------------------

/**
 * A refusal the messenger will repeat: not retried, reported as the message's delivery_error.
 * `unreachable`: the client cannot be written to at all (blocked the bot, left, never allowed
 * messages): the identity is marked so until the client writes again.
 */
export class DeliveryRefused extends Error {
  constructor(
    message: string,
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/** A failure worth another try (429, 5xx, rate limits); `retryAfterMs` when the messenger said how long to wait. */
export class DeliveryDeferred extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

interface ApiCall {
  url: string;
  /** POST unless given; a GET or DELETE sends no body */
  method?: 'GET' | 'POST' | 'DELETE';
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /** the answer's JSON reader; default JSON.parse */
  decode?: (text: string) => unknown;
  /** APIs that answer 200 with an error inside: throw DeliveryRefused to give up, DeliveryDeferred to try again */
  check?: (body: any) => void;
  /** an error answer that means the client cannot be written to (e.g. Telegram's 403 "bot was blocked by the user") */
  unreachable?: (status: number, body: any) => boolean;
  /** an error answer worth another try besides 429 and 5xx (Meta sends its rate limits as 400) */
  transient?: (status: number, body: any) => boolean;
  /** an answer saying an earlier attempt of this very request was already accepted (LINE's 409 for a used retry key) */
  alreadyAccepted?: (status: number, body: any) => boolean;
}

/** How long one call to a messenger's API may take; the sending worker sets it (OMNIMERGE_SEND_TIMEOUT_MS). */
export const apiCallScope = new AsyncLocalStorage<{ timeoutMs: number }>();
export const DEFAULT_API_TIMEOUT_MS = 10_000;

/** Seconds of a `Retry-After` header (or an HTTP date), or Telegram's `parameters.retry_after`, in ms. */
function retryAfterOf(response: Response, body: any): number | null {
  const seconds = Number(body?.parameters?.retry_after);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const header = response.headers.get('retry-after');
  if (header === null) return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * Calls a messenger API once and answers its JSON body. 5xx, 429 and what `transient` names throw
 * `DeliveryDeferred` (with the messenger's Retry-After); other 4xx throw `DeliveryRefused` with the
 * messenger's own description; a refused connection or a timeout throws as fetch does. Retrying is the
 * sending worker's job (src/events/outgoing.ts): its attempts are recorded, so they survive a restart.
 */
export async function callApi(call: ApiCall, describe: (body: any) => string | undefined): Promise<any> {
  const timeoutMs = apiCallScope.getStore()?.timeoutMs ?? DEFAULT_API_TIMEOUT_MS;
  const method = call.method ?? 'POST';
  const withBody = method === 'POST';
  const response = await fetch(call.url, {
    method,
    headers: { ...(!withBody ? {} : call.form ? { 'content-type': 'application/x-www-form-urlencoded' } : { 'content-type': 'application/json' }), ...call.headers },
    body: !withBody ? undefined : call.form ? new URLSearchParams(call.form).toString() : JSON.stringify(call.json),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: any = null;
  try {
    body = text === '' ? null : (call.decode ?? JSON.parse)(text);
  } catch {
    body = null;
  }
  if (response.ok) {
    call.check?.(body);
    return body;
  }
  if (call.alreadyAccepted?.(response.status, body)) return null;
  const reason = `${response.status}: ${describe(body) ?? (text.slice(0, 200) || response.statusText)}`;
  if (response.status >= 500 || response.status === 429 || call.transient?.(response.status, body)) throw new DeliveryDeferred(reason, retryAfterOf(response, body));
  throw new DeliveryRefused(reason, call.unreachable?.(response.status, body) ?? false);
}
