import type { Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import type { MessengerAccount, MessengerAccounts } from '../usecases/connect-bot.js';
import type { MessengerApiUrls } from './index.js';
import { ADAPTERS } from './index.js';
import { DeliveryRefused } from './kit.js';
import { telegramDeleteWebhook, telegramGetMe, telegramSetWebhook } from './telegram.js';
import { viberSetWebhook, ViberTokenRefused } from './viber.js';

// The messenger API calls that connect and disconnect a bot (POST /v1/bots, DELETE /v1/bots/{id}):
// check the token, register the webhook, remove it. Messengers without such calls (Meta, VK, LINE)
// take the callback URL in their consoles instead (src/domain/bot-setup.ts).

type Calls = { [K in keyof MessengerAccount]-?: (api: string, ...args: Parameters<NonNullable<MessengerAccount[K]>>) => ReturnType<NonNullable<MessengerAccount[K]>> };

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

const CALLS: Partial<Record<Channel, Partial<Calls>>> = {
  telegram: {
    identify: async (api, token) => {
      const me = await asking('Telegram', 'getMe', () => telegramGetMe(api, token), () => true);
      return { handle: me.username, name: me.name || null };
    },
    register: (api, bot, url) => asking('Telegram', `setWebhook to ${url}`, () => telegramSetWebhook(api, bot.token, url, bot.secret ?? ''), telegramRefusedToken),
    unregister: (api, token) => asking('Telegram', 'deleteWebhook', () => telegramDeleteWebhook(api, token), telegramRefusedToken),
  },
  viber: {
    register: (api, bot, url) => asking('Viber', `set_webhook to ${url}`, () => viberSetWebhook(api, bot.token, url), (err) => err instanceof ViberTokenRefused),
    unregister: (api, token) => asking('Viber', 'set_webhook with an empty url', () => viberSetWebhook(api, token, ''), (err) => err instanceof ViberTokenRefused),
  },
};

/** The account calls of each messenger, at their public API URLs unless configured (as connectors). */
export function createMessengerAccounts(apiUrls: MessengerApiUrls = {}): MessengerAccounts {
  const accounts: MessengerAccounts = {};
  for (const [channel, calls] of Object.entries(CALLS) as Array<[Channel, Partial<Calls>]>) {
    const api = (apiUrls[channel] ?? ADAPTERS[channel]!.defaultApiUrl).replace(/\/+$/, '');
    accounts[channel] = {
      identify: calls.identify && ((token) => calls.identify!(api, token)),
      register: calls.register && ((bot, url) => calls.register!(api, bot, url)),
      unregister: calls.unregister && ((token) => calls.unregister!(api, token)),
    };
  }
  return accounts;
}
