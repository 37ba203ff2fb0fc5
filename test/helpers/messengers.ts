import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Api } from './server.js';
import { checkAnswer } from './contract.js';

// Webhooks as the messengers send them: the documented fixture bytes, signed each messenger's way.

export const SECRETS = {
  telegram: 'tg-secret-token',
  facebook: 'meta-app-secret',
  instagram: 'meta-app-secret',
  whatsapp: 'meta-app-secret',
  viber: 'viber-auth-token',
  vk: 'vk-secret-key', // the VK fixtures carry it in their "secret" field
  line: 'line-channel-secret',
  max: 'max-subscription-secret',
} as const;

export type Messenger = keyof typeof SECRETS;

const hmac = (key: string, body: string, encoding: 'hex' | 'base64') => createHmac('sha256', key).update(body).digest(encoding);

/** The headers that make a body genuine for that messenger, signed with `secret`. */
export const SIGN: Record<Messenger, (body: string, secret: string) => Record<string, string>> = {
  telegram: (_body, secret) => ({ 'x-telegram-bot-api-secret-token': secret }),
  facebook: (body, secret) => ({ 'x-hub-signature-256': `sha256=${hmac(secret, body, 'hex')}` }),
  instagram: (body, secret) => ({ 'x-hub-signature-256': `sha256=${hmac(secret, body, 'hex')}` }),
  whatsapp: (body, secret) => ({ 'x-hub-signature-256': `sha256=${hmac(secret, body, 'hex')}` }),
  viber: (body, secret) => ({ 'x-viber-content-signature': hmac(secret, body, 'hex') }),
  vk: () => ({}),
  line: (body, secret) => ({ 'x-line-signature': hmac(secret, body, 'base64') }),
  max: (_body, secret) => ({ 'x-max-bot-api-secret': secret }),
};

export function fixture(messenger: Messenger, name: string): string {
  return readFileSync(new URL(`../fixtures/${messenger}/${name}.json`, import.meta.url), 'utf8');
}

export interface WebhookBot {
  id: string;
  webhook_path: string;
  /** shown once when the bot is connected (POST /v1/bots) */
  setup: { callback_url: string | null; webhook_registered: boolean; verify_token: string | null; next_step: string };
}

/** A bot of that messenger with the test secret (and whatever else is given). */
export async function connectMessengerBot(api: Api, channel: Messenger, extra: Record<string, string> = {}): Promise<WebhookBot> {
  const answer = await api('POST', '/v1/bots', { channel, handle: `${channel}_shop`, secret: SECRETS[channel], ...extra });
  if (answer.status !== 201) throw new Error(`could not connect a ${channel} bot: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export interface RawAnswer {
  status: number;
  text: string;
  contentType: string | null;
  json: any;
}

/** Posts bytes to a webhook URL exactly as given (no API key: messengers do not have one). */
export async function postRaw(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // plain text answers (VK)
  }
  const contentType = response.headers.get('content-type');
  const { origin, pathname } = new URL(url);
  await checkAnswer(origin, 'POST', pathname, { status: response.status, contentType, body: contentType?.startsWith('application/json') ? json : text });
  return { status: response.status, text, contentType, json };
}

/** Delivers a fixture to the bot's webhook, signed as the messenger signs it. */
export function deliver(baseUrl: string, messenger: Messenger, bot: WebhookBot, name: string): Promise<RawAnswer> {
  const body = fixture(messenger, name);
  return postRaw(baseUrl + bot.webhook_path, body, SIGN[messenger](body, SECRETS[messenger]));
}
