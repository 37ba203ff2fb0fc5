import type { Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { selectBotById, type BotRow } from '../store/bots.js';
import { recordSubscriptions } from '../store/identities.js';
import { DEFAULT_STEPS, resolveInbound, type InboundInput, type InboundResult, type InboundStep } from './resolve-inbound.js';
import { queueMessage, type Outbound } from './send-message.js';

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

/**
 * A messenger's webhook has no caller to read the answer's actions, so the messages they
 * ask for (a completed link's tag) are written in the resolution's transaction as outgoing messages of
 * the conversation, for the sending worker. `POST /v1/inbound` keeps returning them for callers that send.
 */
function sendActions(outbound: Outbound): InboundStep {
  return async (ctx) => {
    for (const action of ctx.result.actions) {
      if (action.type !== 'send_message' || action.bot_id !== ctx.bot.id || typeof action.text !== 'string') continue;
      const target = {
        projectId: ctx.projectId,
        conversationId: ctx.result.conversation_id,
        contactId: ctx.result.contact_id,
        bot: ctx.bot,
        channel: ctx.channel,
        identityId: ctx.result.identity_id,
        externalUserId: ctx.input.external_user_id.trim(),
      };
      const { events } = await queueMessage(ctx.tx, outbound, target, action.text);
      ctx.events.push(...events);
    }
  };
}

/** Resolves each person's event in the order the messenger sent them, then records subscriptions. */
export async function receiveWebhook(outbound: Outbound, bot: BotRow, events: WebhookEvents): Promise<InboundResult[]> {
  const { store } = outbound;
  const steps = [...DEFAULT_STEPS, sendActions(outbound)];
  const results: InboundResult[] = [];
  for (const { subscribed: _subscribed, ...input } of events.inbound) {
    results.push(await resolveInbound(store, bot.project_id, { ...input, bot_id: bot.id }, steps));
  }
  if (results.some((r) => r.actions.length > 0)) outbound.wake();
  await recordSubscriptions(store.db, bot.project_id, bot.id, [
    ...events.inbound.flatMap((e) => (e.subscribed === undefined ? [] : [{ externalUserId: e.external_user_id, subscribed: e.subscribed }])),
    ...events.unsubscribed.map((externalUserId) => ({ externalUserId, subscribed: false })),
  ]);
  return results;
}
