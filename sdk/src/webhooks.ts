import type { components } from './schema.js';

// Checking a webhook delivery on the receiving side. omnimerge signs "<timestamp>.<raw body>" with the
// endpoint's secret (HMAC-SHA256, hex) and sends `X-Omnimerge-Signature: sha256=<hex>` and
// `X-Omnimerge-Timestamp: <unix seconds>`. Web Crypto, so it runs on Node ≥ 20, Deno, Bun and edge runtimes.

export type WebhookHeaders = Record<string, string | string[] | null | undefined> | Headers;

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

function header(headers: WebhookHeaders, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const record = headers as Record<string, string | string[] | null | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

async function hmacHex(secret: string, text: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
  return Array.from(signature, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * The event of a genuine, fresh delivery. Pass the raw body exactly as received (before any JSON parsing),
 * the request's headers and the endpoint's secret. Throws WebhookVerificationError when the signature is
 * wrong or missing, or the timestamp is older (or newer) than `toleranceSeconds` — a replay.
 * Deliveries come at least once: drop repeats by `event.id`.
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
  { toleranceSeconds = 300, now = Date.now() }: { toleranceSeconds?: number; now?: number } = {},
): Promise<components['schemas']['Event']> {
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  const timestamp = Number(header(headers, 'x-omnimerge-timestamp'));
  if (!Number.isInteger(timestamp)) throw new WebhookVerificationError('no X-Omnimerge-Timestamp header');
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) throw new WebhookVerificationError(`the delivery was signed ${Math.round(now / 1000 - timestamp)} s ago: a replay, or a clock that is off`);
  const given = header(headers, 'x-omnimerge-signature') ?? '';
  const expected = `sha256=${await hmacHex(secret, `${timestamp}.${body}`)}`;
  if (!equalInConstantTime(given, expected)) throw new WebhookVerificationError('the signature does not match: a forged or altered body, or another secret');
  return JSON.parse(body) as components['schemas']['Event'];
}
