import { DomainError } from '../domain/errors.js';
import { markBotDisconnected, selectBot } from '../store/bots.js';
import type { Store } from '../store/database.js';
import { botView, type BotView, type MessengerAccounts } from './connect-bot.js';
import { forgetBot } from './steps/find-bot.js';

export interface WebhookRemoval {
  /** true: the messenger was told to stop; false: it could not be (see message); null: nothing to tell */
  removed: boolean | null;
  message: string;
}

/**
 * Disconnects a bot (docs/api.md `DELETE /v1/bots/{id}`): the messenger's webhook is removed where
 * omnimerge can do it (Telegram deleteWebhook, Viber set_webhook with an empty url, MAX DELETE /subscriptions), the bot is marked
 * disconnected and its credentials forgotten. Contacts, identities, conversations and messages stay.
 * A messenger that cannot be told does not keep the bot connected: its webhooks are refused from now on.
 */
export async function disconnectBot(store: Store, accounts: MessengerAccounts, projectId: string, botId: string): Promise<BotView & { webhook: WebhookRemoval }> {
  const bot = await selectBot(store.db, projectId, botId);
  if (!bot) throw new DomainError('bot_not_found', `no bot ${botId} in this project; GET /v1/bots lists them`);
  if (bot.disconnected_at) throw new DomainError('bot_disconnected', `bot ${botId} was disconnected already at ${bot.disconnected_at.toISOString()}`);

  const webhook = await removeWebhook(accounts, bot.channel as keyof MessengerAccounts, bot.token, `/v1/channels/${bot.channel}/${bot.id}`);
  const disconnected = await markBotDisconnected(store.db, projectId, botId);
  forgetBot(store, projectId, botId);
  if (!disconnected) throw new DomainError('bot_disconnected', `bot ${botId} was disconnected meanwhile by another request`);
  return { ...botView(disconnected), webhook };
}

async function removeWebhook(accounts: MessengerAccounts, channel: keyof MessengerAccounts, token: string | null, webhookPath: string): Promise<WebhookRemoval> {
  const unregister = accounts[channel]?.unregister;
  if (!unregister) return { removed: null, message: `omnimerge does not register ${channel} webhooks; remove the callback URL in the messenger's settings if you no longer want its events` };
  if (!token) return { removed: null, message: 'the bot had no token, so omnimerge registered no webhook for it' };
  try {
    await unregister(token, webhookPath);
    return { removed: true, message: `${channel} no longer posts this bot's events to omnimerge` };
  } catch (err) {
    return { removed: false, message: `${(err as Error).message}; its webhooks are refused from now on (404) all the same` };
  }
}
