import { DomainError } from '../domain/errors.js';
import type { MessageRow } from '../store/messages.js';
import { selectRecipient } from '../store/recipients.js';
import { addConversationEvent } from './contact-records.js';
import { createMergeLink, requireLinkable, type MergeLinkRequest, type MergeLinkView } from './create-merge-link.js';
import { sendMessage, type Outbound } from './send-message.js';

// docs/links.md: an operator in a conversation on one channel invites the client to another: the merge link
// (and, for WhatsApp, Instagram and LINE, the code) goes out as a message in that conversation.

export async function inviteFromConversation(
  outbound: Outbound,
  projectId: string,
  conversationId: string,
  request: MergeLinkRequest & { send?: boolean },
  actor = 'api',
): Promise<{ url: string; code?: string; text: string; expires_at: Date; message: MessageRow | null }> {
  const { send = true, ...linkRequest } = request;
  const recipient = await selectRecipient(outbound.store.db, projectId, conversationId);
  if (!recipient) throw new DomainError('conversation_not_found', `no conversation ${conversationId} in this project`);
  const link = await createMergeLink(outbound.store, projectId, recipient.contact_id, linkRequest);
  const text = inviteText(link);
  // `send: false` makes the link and the message's text for the operator to edit and send, or only to copy
  const message = send ? await sendMessage(outbound, projectId, conversationId, text) : null;
  // who invited, in the conversation's own record (GET /v1/conversations/{id}/events)
  await addConversationEvent(outbound.store, projectId, conversationId, {
    type: 'invite_sent',
    data: { by: actor, channel: link.channel, message_id: message?.id ?? null, sent: send, expires_at: link.expires_at },
  });
  return { url: link.url, ...(link.code ? { code: link.code } : {}), text, expires_at: link.expires_at, message };
}

/** What the client reads: where to go, and for code channels the code to send if the link does not pre-fill it. */
export function inviteText(link: MergeLinkView): string {
  const { format } = requireLinkable(link.channel);
  const go = `Continue our conversation in ${format.title}: ${link.url}`;
  return link.code ? `${go}\nIf the message is not filled in, send us this code there: ${link.code}` : go;
}
