import { CHANNELS, isUnreachable, messagingWindow, openChannels, type Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import type { BotRow } from '../store/bots.js';
import { insertOutboundMessage, type MessageRow } from '../store/messages.js';
import type { Store, Tx } from '../store/database.js';
import { selectRecipient, selectWindowStates, type Recipient } from '../store/recipients.js';
import { enqueueEvents, type OutboxEvent } from '../store/outbox.js';
import { selectMessage } from '../store/outgoing.js';
import { findBot } from './steps/find-bot.js';

// docs/links.md, docs/messengers.md, docs/api.md `POST /v1/conversations/{id}/messages`: a text into a conversation, queued for the
// messenger's API when the bot has a token (the sending worker, src/events/outgoing.ts, sends it),
// otherwise handed to the host as a `message.outbound` event.

/** What a messenger's API said about a sent message. */
export interface Delivery {
  external_message_id: string | null;
}

/**
 * Sends a text through one messenger's API; throws `DeliveryRefused` when the messenger will not take
 * it, anything else when another try may go through.
 */
export interface Connector {
  send(bot: BotRow & { token: string }, to: string, text: string, messageId: string): Promise<Delivery>;
  /** a repeated send with the same message id cannot post twice */
  idempotent: boolean;
}

export type Connectors = Partial<Record<Channel, Connector>>;

export interface Outbound {
  store: Store;
  connectors: Connectors;
  /** how long a queued message is retried before it fails */
  giveUpMs: number;
  /** tells the sending worker a message was queued */
  wake: () => void;
}

/** Where a message goes: the conversation's contact, bot and the identity on it. */
export interface MessageTarget {
  projectId: string;
  conversationId: string;
  contactId: string;
  bot: BotRow;
  channel: Channel;
  identityId: string;
  externalUserId: string;
}

/**
 * Sends a free-form text to the person in the conversation: stored `queued` for the sending worker when
 * the bot has a token and the channel a connector, else `handed_over` with a `message.outbound` event.
 * A closed messaging window, an unreachable client or a text over the messenger's limit refuse the
 * message before anything is stored.
 */
export async function sendMessage(outbound: Outbound, projectId: string, conversationId: string, text: string): Promise<MessageRow> {
  if (text.trim() === '') throw new DomainError('invalid_request', 'text must not be empty');
  const recipient = await selectRecipient(outbound.store.db, projectId, conversationId);
  if (!recipient) throw new DomainError('conversation_not_found', `no conversation ${conversationId} in this project`);
  const to = requireIdentity(recipient);
  requireTextFits(recipient.channel, text);
  await requireOpenWindow(outbound.store, projectId, recipient);

  const bot = await findBot(outbound.store, projectId, recipient.bot_id);
  const target: MessageTarget = { projectId, conversationId, contactId: recipient.contact_id, bot, channel: recipient.channel, identityId: to.identityId, externalUserId: to.externalUserId };
  const message = await outbound.store.transaction(async (tx) => {
    const { message, events } = await queueMessage(tx, outbound, target, text);
    await enqueueEvents(tx, projectId, events);
    return message;
  });
  if (message.delivery_state === 'queued') outbound.wake();
  return message;
}

/**
 * Writes an outgoing message in the caller's transaction: `queued` when its bot can send, otherwise
 * `handed_over` with the `message.outbound` event to enqueue. The caller wakes the worker after commit.
 */
export async function queueMessage(tx: Tx, outbound: Outbound, target: MessageTarget, text: string): Promise<{ message: MessageRow; events: OutboxEvent[] }> {
  const { bot } = target;
  const message = { projectId: target.projectId, id: newId(), conversationId: target.conversationId, identityId: target.identityId, text };
  if (outbound.connectors[target.channel] && bot.token !== null) {
    return { message: await insertOutboundMessage(tx, { ...message, deliveryState: 'queued', giveUpMs: outbound.giveUpMs }), events: [] };
  }
  const stored = await insertOutboundMessage(tx, { ...message, deliveryState: 'handed_over' });
  const event: OutboxEvent = {
    type: 'message.outbound',
    contactId: target.contactId,
    data: {
      message_id: stored.id,
      conversation_id: target.conversationId,
      contact_id: target.contactId,
      bot_id: bot.id,
      channel: target.channel,
      identity_id: target.identityId,
      external_user_id: target.externalUserId,
      text,
    },
  };
  return { message: stored, events: [event] };
}

/** A text longer than the messenger takes is refused, saying by how much. */
export function requireTextFits(channel: Channel, text: string): void {
  const limit: number | null = CHANNELS[channel].maxText;
  if (limit === null || text.length <= limit) return;
  throw new DomainError(
    'text_too_long',
    `${channel} takes at most ${limit} characters in one message; this text has ${text.length}: shorten it by ${text.length - limit} or send it as several messages`,
  );
}

/** Waits up to `waitMs` for a queued message to be sent or to fail; answers it as it then is. */
export async function awaitSent(store: Store, projectId: string, message: MessageRow, waitMs: number): Promise<MessageRow> {
  const deadline = Date.now() + waitMs;
  let current = message;
  while (isPending(current) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(0, deadline - Date.now()))));
    current = (await selectMessage(store.db, projectId, message.id)) ?? current;
  }
  return current;
}

/** Still on its way: queued or being sent. */
export function isPending(message: Pick<MessageRow, 'delivery_state'>): boolean {
  return message.delivery_state === 'queued' || message.delivery_state === 'sending';
}

function requireIdentity(recipient: Recipient): { identityId: string; externalUserId: string } {
  if (recipient.identity_id === null || recipient.external_user_id === null) {
    throw new DomainError('no_recipient', `the contact has no ${recipient.channel} identity on this conversation's bot any more (it was unmerged); write in one of its other conversations`);
  }
  return { identityId: recipient.identity_id, externalUserId: recipient.external_user_id };
}

/** docs/messengers.md: a free-form message into a closed window is refused, naming the channels that are open. */
export async function requireOpenWindow(store: Store, projectId: string, recipient: Recipient): Promise<void> {
  const state = { lastInboundAt: recipient.last_inbound_at, subscribed: recipient.subscribed, unreachableAt: recipient.unreachable_at };
  const window = messagingWindow(recipient.channel, state);
  if (window.open) return;
  const states = await selectWindowStates(store.db, projectId, recipient.contact_id);
  const open = openChannels(states.map((s) => ({ channel: s.channel, lastInboundAt: s.last_inbound_at, subscribed: s.subscribed, unreachableAt: s.unreachable_at })));
  const where = open.length > 0 ? `open now for this contact: ${open.join(', ')}` : 'no channel of this contact is open now; wait for the client to write';
  if (isUnreachable(state)) {
    throw new DomainError('recipient_unreachable', `cannot send: ${recipient.channel} said the client cannot be written to (${recipient.unreachable_reason ?? 'no reason given'}) until they write again; ${where}`);
  }
  const rule = CHANNELS[recipient.channel].window;
  const why =
    rule.kind === 'hours'
      ? `the ${recipient.channel} window closes ${rule.hours} h after the client's last message` +
        (recipient.last_inbound_at ? ` (last at ${recipient.last_inbound_at.toISOString()})` : ' and the client has not written')
      : `the client is not subscribed to this ${recipient.channel} bot`;
  throw new DomainError('window_closed', `cannot send a free-form message: ${why}; ${where}`);
}
