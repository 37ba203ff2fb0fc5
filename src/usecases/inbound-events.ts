import type { OutboxEvent } from '../store/outbox.js';
import type { InboundContext } from './resolve-inbound.js';

/** `contact.created` for the contact an inbound message made (SPEC §2 step 5). */
export function contactCreatedEvent(ctx: InboundContext): OutboxEvent {
  return {
    type: 'contact.created',
    contactId: ctx.result.contact_id,
    data: {
      contact_id: ctx.result.contact_id,
      identity: { id: ctx.result.identity_id, bot_id: ctx.bot.id, channel: ctx.channel, external_user_id: ctx.input.external_user_id },
    },
  };
}
