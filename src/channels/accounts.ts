import type { Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import type { MessengerAccount, MessengerAccounts } from '../usecases/connect-bot.js';
import { ADAPTERS, type MessengerApiUrls } from './index.js';
import { DeliveryRefused } from './kit.js';
import { maxGetMe, maxSubscribe, maxUnsubscribe } from './max.js';
import { telegramDeleteWebhook, telegramGetMe, telegramSetWebhook } from './telegram.js';
import { viberSetWebhook, ViberTokenRefused } from './viber.js';

// The messenger API calls that connect and disconnect a bot (POST /v1/bots, DELETE /v1/bots/{id}):
// check the token, register the webhook, remove it (Telegram, Viber, MAX). Messengers without such calls (Meta, VK, LINE)
// take the callback URL in their consoles instead (src/domain/bot-setup.ts).

/** A messenger's answer as the API's error: a refused token, a refusal, or no answer at all. */
async function asking<T>(messenger: string, what: string, call: () => Promise<T>, refusedToken: (err: Error) => boolean): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof DomainError) throw err;
    const reason = (err as Error).message;
    if (err instanceof DeliveryRefused && refusedToken(err)) {
      throw new DomainError('invalid_bot_token', `${messenger} refused the token (${reason}); copy the bot's token again and check it is complete`);
    }
    if (err instanceof DeliveryRefused) throw new DomainError('webhook_not_registered', `${messenger} refused ${what}: ${reason}`);
    throw new DomainError('messenger_unreachable', `${messenger} could not be reached for ${what} (${reason}); try again later`);
  }
}

/** Telegram answers 401 Unauthorized to a revoked or wrong token, 404 Not Found to a malformed one. */
const telegramRefusedToken = (err: Error) => /^(401|404):/.test(err.message);
const viberRefusedToken = (err: Error) => err instanceof ViberTokenRefused;
/** MAX answers 401 (schema `Unauthorized`) when no token is given or it is invalid. */
const maxRefusedToken = (err: Error) => /^401:/.test(err.message);

/** Each messenger's account calls, given its API base URL. */
const ACCOUNTS: Partial<Record<Channel, (api: string) => MessengerAccount>> = {
  telegram: (api) => ({
    identify: async (token) => {
      const me = await asking('Telegram', 'getMe', () => telegramGetMe(api, token), () => true);
      return { handle: me.username, name: me.name || null };
    },
    register: (bot, url) => asking('Telegram', `setWebhook to ${url}`, () => telegramSetWebhook(api, bot.token, url, bot.secret ?? ''), telegramRefusedToken),
    unregister: (token) => asking('Telegram', 'deleteWebhook', () => telegramDeleteWebhook(api, token), telegramRefusedToken),
  }),
  viber: (api) => ({
    register: (bot, url) => asking('Viber', `set_webhook to ${url}`, () => viberSetWebhook(api, bot.token, url), viberRefusedToken),
    unregister: (token) => asking('Viber', 'set_webhook with an empty url', () => viberSetWebhook(api, token, ''), viberRefusedToken),
  }),
  max: (api) => ({
    identify: async (token) => {
      const me = await asking('MAX', 'GET /me', () => maxGetMe(api, token), maxRefusedToken);
      return { handle: me.username, name: me.name || null };
    },
    register: (bot, url) => asking('MAX', `POST /subscriptions for ${url}`, () => maxSubscribe(api, bot.token, url, bot.secret ?? ''), maxRefusedToken),
    unregister: async (token, webhookPath) => {
      await asking('MAX', 'DELETE /subscriptions', () => maxUnsubscribe(api, token, webhookPath), maxRefusedToken);
    },
  }),
};

/** The account calls of each messenger, at their public API URLs unless configured (as connectors). */
export function createMessengerAccounts(apiUrls: MessengerApiUrls = {}): MessengerAccounts {
  const accounts: MessengerAccounts = {};
  for (const [channel, make] of Object.entries(ACCOUNTS) as Array<[Channel, (api: string) => MessengerAccount]>) {
    accounts[channel] = make((apiUrls[channel] ?? ADAPTERS[channel]!.defaultApiUrl).replace(/\/+$/, ''));
  }
  return accounts;
}
