import { selectContactCard } from '../../store/contacts.js';
import type { OutboxEvent } from '../../store/outbox.js';
import { contactCardView } from '../views/contact-card.js';
import type { InboundContext } from '../resolve-inbound.js';

/**
 * `contact.created` for the contact an inbound message made: the same shape as for a contact made by the
 * API (docs/events.md), with the identity whose message made it.
 */
export async function contactCreatedEvent(ctx: InboundContext): Promise<OutboxEvent> {
  const contact = contactCardView((await selectContactCard(ctx.tx, ctx.projectId, ctx.result.contact_id))!);
  return {
    type: 'contact.created',
    contactId: ctx.result.contact_id,
    data: {
      contact,
      identity: { id: ctx.result.identity_id, bot_id: ctx.bot.id, channel: ctx.channel, external_user_id: ctx.input.external_user_id },
    },
  };
}
