import { DomainError } from '../domain/errors.js';
import type { MessageRow } from '../store/messages.js';
import { selectMessageRecipient } from '../store/recipients.js';
import { requeueFailedMessage } from '../store/outgoing.js';
import { requireOpenWindow, type Outbound } from './send-message.js';

// `POST /v1/messages/{id}/retry`: a failed outgoing message is queued again, as it was written,
// for the sending worker; the window must be open now, as for a new message.

export async function retryMessage(outbound: Outbound, projectId: string, messageId: string): Promise<MessageRow> {
  const found = await selectMessageRecipient(outbound.store.db, projectId, messageId);
  if (!found) throw new DomainError('message_not_found', `no message ${messageId} in this project`);
  if (found.direction !== 'out' || found.delivery_state !== 'failed') {
    const what = found.direction === 'out' ? `it is ${found.delivery_state ?? 'not being sent'}` : 'it is a message from the client';
    throw new DomainError('message_not_failed', `only a failed outgoing message can be retried; ${what}`);
  }
  if (!outbound.connectors[found.channel]) throw new DomainError('message_not_failed', `${found.channel} messages are delivered by your system (message.outbound), not retried here`);
  await requireOpenWindow(outbound.store, projectId, found);
  const queued = await requeueFailedMessage(outbound.store.db, projectId, messageId, outbound.giveUpMs);
  // retried twice at once: the other call queued it
  if (!queued) throw new DomainError('message_not_failed', 'only a failed outgoing message can be retried; it was queued again meanwhile');
  outbound.wake();
  return queued;
}
