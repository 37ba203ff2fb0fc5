import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import pRetry, { AbortError } from 'p-retry';
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

/** The text, or undefined when it is empty: an event without text stores no text. */
export function textOf(...candidates: Array<string | undefined>): string | undefined {
  return candidates.find((t) => t !== undefined && t !== '');
}

// ---- delivery -------------------------------------------------------------------------------

/** A refusal the messenger will repeat: not retried, reported as the message's delivery_error. */
export class DeliveryRefused extends Error {}

interface ApiCall {
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /** the answer's JSON reader; default JSON.parse */
  decode?: (text: string) => unknown;
  /** APIs that answer 200 with an error inside: throw DeliveryRefused to give up, an Error to retry */
  check?: (body: any) => void;
}

const RETRIES = 2;
const TIMEOUT_MS = 10_000;

/**
 * Calls a messenger API and answers its JSON body. 5xx, 429 and network failures are retried with
 * backoff (p-retry); other 4xx become `DeliveryRefused` with the messenger's own description.
 * (p-retry rather than a loop: backoff, jitter and giving up on AbortError are what it is for.)
 */
export async function callApi(call: ApiCall, describe: (body: any) => string | undefined): Promise<any> {
  return pRetry(
    async () => {
      const response = await fetch(call.url, {
        method: 'POST',
        headers: { ...(call.form ? { 'content-type': 'application/x-www-form-urlencoded' } : { 'content-type': 'application/json' }), ...call.headers },
        body: call.form ? new URLSearchParams(call.form).toString() : JSON.stringify(call.json),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.text();
      let body: any = null;
      try {
        body = text === '' ? null : (call.decode ?? JSON.parse)(text);
      } catch {
        body = null;
      }
      if (response.ok) {
        try {
          call.check?.(body);
        } catch (err) {
          throw err instanceof DeliveryRefused ? new AbortError(err) : err;
        }
        return body;
      }
      const reason = `${response.status}: ${describe(body) ?? (text.slice(0, 200) || response.statusText)}`;
      if (response.status >= 500 || response.status === 429) throw new Error(reason);
      throw new AbortError(new DeliveryRefused(reason));
    },
    { retries: RETRIES, minTimeout: 100, maxTimeout: 1_000 },
  );
}

