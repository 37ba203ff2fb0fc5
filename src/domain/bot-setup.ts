import type { Channel } from './channels.js';

// Connecting a bot in one step: how each messenger's webhook comes to point at omnimerge. Telegram,
// Viber and MAX are registered by omnimerge itself with the bot's token, when it knows its public URL
// (OMNIMERGE_PUBLIC_URL); Meta, VK and LINE take the callback URL in their consoles, so the answer says
// what to paste where.

export interface WebhookSetup {
  /** omnimerge points the webhook itself through the messenger's API (needs the token) */
  registers: boolean;
  /** the secret the messenger sends back, made by omnimerge when none is given (Telegram's secret_token) */
  makesSecret: boolean;
  /** the messenger's name for that secret in its registration call (Telegram's secret_token, MAX's secret) */
  secretField?: string;
  /** what the messenger accepts as that secret, when it is passed to it */
  secretPattern?: { pattern: RegExp; rule: string };
  /** Meta's Verify Token: made when none is given and shown once, to paste beside the callback URL */
  makesVerifyToken: boolean;
  /** the messenger's name and where its callback URL goes */
  messenger: string;
  where: string;
  /** what `secret` is for this messenger, named when it is missing (webhooks cannot be verified without it) */
  secret: string | null;
}

/** Telegram's secret_token: 1–256 characters of A–Z, a–z, 0–9, `_` and `-`. */
const TELEGRAM_SECRET_TOKEN = { pattern: /^[A-Za-z0-9_-]{1,256}$/, rule: "Telegram's secret_token: 1–256 characters of A–Z, a–z, 0–9, _ and -" };

/** MAX's subscription secret (SubscriptionRequestBody.secret): 5–256 characters of A–Z, a–z, 0–9, `_` and `-`. */
const MAX_SECRET = { pattern: /^[A-Za-z0-9_-]{5,256}$/, rule: "MAX's subscription secret: 5–256 characters of A–Z, a–z, 0–9, _ and -" };

const META = (where: string): WebhookSetup => ({
  registers: false,
  makesSecret: false,
  makesVerifyToken: true,
  messenger: 'Meta',
  where,
  secret: 'the Meta app secret (App settings > Basic)',
});

export const WEBHOOK_SETUP: Partial<Record<Channel, WebhookSetup>> = {
  telegram: { registers: true, makesSecret: true, secretField: 'secret_token', secretPattern: TELEGRAM_SECRET_TOKEN, makesVerifyToken: false, messenger: 'Telegram', where: 'setWebhook', secret: null },
  viber: { registers: true, makesSecret: false, makesVerifyToken: false, messenger: 'Viber', where: 'set_webhook', secret: null },
  max: { registers: true, makesSecret: true, secretField: 'secret', secretPattern: MAX_SECRET, makesVerifyToken: false, messenger: 'MAX', where: 'POST /subscriptions', secret: null },
  facebook: META("the Meta app's Messenger > Webhooks settings (subscribe the page to messages, messaging_postbacks and messaging_referrals)"),
  instagram: META("the Meta app's Instagram > Webhooks settings (subscribe to messages and messaging_postbacks)"),
  whatsapp: META("the Meta app's WhatsApp > Configuration > Webhook (subscribe to messages)"),
  vk: {
    registers: false,
    makesSecret: false,
    makesVerifyToken: false,
    messenger: 'VK',
    where: "the community's Manage > API usage > Callback API (give its confirmation string as confirmation_code; turn on message_new)",
    secret: "the Callback API's Secret key",
  },
  line: {
    registers: false,
    makesSecret: false,
    makesVerifyToken: false,
    messenger: 'LINE',
    where: 'the LINE Developers console: Messaging API > Webhook URL (turn on "Use webhook")',
    secret: 'the channel secret',
  },
};


export interface SetupState {
  channel: Channel;
  webhookPath: string | null;
  /** the public URL + webhook path, when OMNIMERGE_PUBLIC_URL is set */
  callbackUrl: string | null;
  registered: boolean;
  hasToken: boolean;
  hasSecret: boolean;
  /** Meta: the verify token shown in the answer */
  verifyToken: string | null;
}

/** What the operator has left to do after connecting the bot, in a sentence or three. */
export function nextStep(state: SetupState): string {
  const setup = WEBHOOK_SETUP[state.channel];
  if (!setup || state.webhookPath === null) {
    return `${state.channel} messages come in through POST /v1/inbound with this bot's id; there is no webhook to register`;
  }
  if (state.registered) return `nothing: ${setup.messenger} now posts this bot's events to ${state.callbackUrl}`;
  const url = state.callbackUrl ?? `<the public URL of this server>${state.webhookPath}`;
  const steps: string[] = [];
  if (setup.registers) {
    if (!state.hasToken) {
      steps.push(`connect the bot with its token to register the webhook in one step, or call ${setup.where} yourself with the url ${url}`);
    } else {
      steps.push(
        `set OMNIMERGE_PUBLIC_URL (or serve --public-url) to the https address ${setup.messenger} reaches this server at and connect the bot again, ` +
          `or call ${setup.where} yourself with the url ${url}` +
          (setup.makesSecret ? (state.hasSecret ? ` and the secret you gave as ${setup.secretField}` : `; give a secret when connecting, to pass it as ${setup.secretField}`) : ''),
      );
    }
  } else {
    steps.push(`paste the callback URL ${url}${state.verifyToken ? ' and the verify token' : ''} into ${setup.where}`);
    if (state.callbackUrl === null) steps.push('set OMNIMERGE_PUBLIC_URL (or serve --public-url) to have the full URL written here');
  }
  if (setup.secret && !state.hasSecret) steps.push(`this bot has no secret: its webhooks are refused until it is connected with "secret" set to ${setup.secret}`);
  return steps.join('; ');
}
