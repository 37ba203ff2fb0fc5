import { CHANNELS, messagingWindow, openChannels, type Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import type { BotRow } from '../store/bots.js';
import type { MessageRow } from '../store/conversations.js';
import type { Store } from '../store/database.js';
import { insertOutboundMessage, recordDelivery, selectRecipient, selectWindowStates, type Recipient } from '../store/messaging.js';
import { enqueueEvents } from '../store/outbox.js';
import { findBot } from './find-bot.js';

// docs/links.md, docs/messengers.md, docs/api.md `POST /v1/conversations/{id}/messages`: a text into a conversation, through the
// messenger's API when the bot has a token, otherwise handed to the host as a `message.outbound` event.

/** What a messenger's API said about a sent message. */
export interface Delivery {
  external_message_id: string | null;
}

/** Sends a text through one messenger's API; throws with the reason when it is not delivered. */
export interface Connector {
  send(bot: BotRow & { token: string }, to: string, text: string, messageId: string): Promise<Delivery>;
}

export type Connectors = Partial<Record<Channel, Connector>>;

export interface Outbound {
  store: Store;
  connectors: Connectors;
}

/**
 * Sends a free-form text to the person in the conversation and records it with its delivery state:
 * `sent` (with the messenger's message id), `failed` (with `delivery_error`), or `handed_over` when
 * the bot has no token or the channel no connector (then a `message.outbound` event carries it).
 * A closed messaging window refuses the message before anything is stored.
 */
export async function sendMessage({ store, connectors }: Outbound, projectId: string, conversationId: string, text: string): Promise<MessageRow> {
  if (text.trim() === '') throw new DomainError('invalid_request', 'text must not be empty');
  const recipient = await selectRecipient(store.db, projectId, conversationId);
  if (!recipient) throw new DomainError('conversation_not_found', `no conversation ${conversationId} in this project`);
  const to = requireIdentity(recipient);
  await requireOpenWindow(store, projectId, recipient);

  const bot = await findBot(store, projectId, recipient.bot_id);
  const connector = connectors[recipient.channel];
  const message = { projectId, id: newId(), conversationId, identityId: to.identityId, text };
  if (!connector || bot.token === null) return handOver(store, recipient, to, message);

  const sending = await insertOutboundMessage(store.db, { ...message, deliveryState: 'sending' });
  try {
    const delivery = await connector.send({ ...bot, token: bot.token }, to.externalUserId, text, sending.id);
    return await recordDelivery(store.db, projectId, sending.id, { state: 'sent', error: null, externalMessageId: delivery.external_message_id });
  } catch (err) {
    return recordDelivery(store.db, projectId, sending.id, { state: 'failed', error: (err as Error).message, externalMessageId: null });
  }
}

function requireIdentity(recipient: Recipient): { identityId: string; externalUserId: string } {
  if (recipient.identity_id === null || recipient.external_user_id === null) {
    throw new DomainError('no_recipient', `the contact has no ${recipient.channel} identity on this conversation's bot any more (it was unmerged); write in one of its other conversations`);
  }
  return { identityId: recipient.identity_id, externalUserId: recipient.external_user_id };
}

/** docs/messengers.md: a free-form message into a closed window is refused, naming the channels that are open. */
async function requireOpenWindow(store: Store, projectId: string, recipient: Recipient): Promise<void> {
  const window = messagingWindow(recipient.channel, { lastInboundAt: recipient.last_inbound_at, subscribed: recipient.subscribed });
  if (window.open) return;
  const states = await selectWindowStates(store.db, projectId, recipient.contact_id);
  const open = openChannels(states.map((s) => ({ channel: s.channel, lastInboundAt: s.last_inbound_at, subscribed: s.subscribed })));
  const rule = CHANNELS[recipient.channel].window;
  const why =
    rule.kind === 'hours'
      ? `the ${recipient.channel} window closes ${rule.hours} h after the client's last message` +
        (recipient.last_inbound_at ? ` (last at ${recipient.last_inbound_at.toISOString()})` : ' and the client has not written')
      : `the client is not subscribed to this ${recipient.channel} bot`;
  const where = open.length > 0 ? `open now for this contact: ${open.join(', ')}` : 'no channel of this contact is open now; wait for the client to write';
  throw new DomainError('window_closed', `cannot send a free-form message: ${why}; ${where}`);
}

async function handOver(
  store: Store,
  recipient: Recipient,
  to: { identityId: string; externalUserId: string },
  message: { projectId: string; id: string; conversationId: string; identityId: string; text: string },
): Promise<MessageRow> {
  return store.transaction(async (tx) => {
    const stored = await insertOutboundMessage(tx, { ...message, deliveryState: 'handed_over' });
    await enqueueEvents(tx, message.projectId, [
      {
        type: 'message.outbound',
        contactId: recipient.contact_id,
        data: {
          message_id: stored.id,
          conversation_id: recipient.conversation_id,
          contact_id: recipient.contact_id,
          bot_id: recipient.bot_id,
          channel: recipient.channel,
          identity_id: to.identityId,
          external_user_id: to.externalUserId,
          text: message.text,
        },
      },
    ]);
    return stored;
  });
}
