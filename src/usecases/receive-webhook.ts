import type { Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import type { BotRow } from '../store/bots.js';
import type { Store } from '../store/database.js';
import { recordSubscriptions, selectBotById } from '../store/messaging.js';
import { resolveInbound, type InboundInput, type InboundResult } from './resolve-inbound.js';

// docs/messengers.md: a messenger's own webhook, read by its adapter (src/channels), fed to inbound resolution.

/** One person's inbound event; the bot comes from the webhook's URL. */
export type WebhookInbound = Omit<InboundInput, 'bot_id'> & {
  /** Viber: the client subscribed (true) or is known not to be (false) */
  subscribed?: boolean;
};

export interface WebhookEvents {
  inbound: WebhookInbound[];
  /** clients who unsubscribed: only their subscription changes, no contact is made for a goodbye */
  unsubscribed: string[];
}

/** The bot a webhook URL names; it must be of the channel the URL says. */
export async function findWebhookBot(store: Store, channel: Channel, botId: string): Promise<BotRow> {
  const bot = await selectBotById(store.db, botId);
  if (!bot || bot.channel !== channel) {
    throw new DomainError('bot_not_found', `no ${channel} bot ${botId}; point the webhook at /v1/channels/<the bot's channel>/<its id> from POST /v1/bots`);
  }
  return bot;
}

/** Resolves each person's event in the order the messenger sent them, then records subscriptions. */
export async function receiveWebhook(store: Store, bot: BotRow, events: WebhookEvents): Promise<InboundResult[]> {
  const results: InboundResult[] = [];
  for (const { subscribed: _subscribed, ...input } of events.inbound) {
    results.push(await resolveInbound(store, bot.project_id, { ...input, bot_id: bot.id }));
  }
  await recordSubscriptions(store.db, bot.project_id, bot.id, [
    ...events.inbound.flatMap((e) => (e.subscribed === undefined ? [] : [{ externalUserId: e.external_user_id, subscribed: e.subscribed }])),
    ...events.unsubscribed.map((externalUserId) => ({ externalUserId, subscribed: false })),
  ]);
  return results;
}
