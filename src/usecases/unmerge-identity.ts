import { contactAlreadyMerged, contactNotFound } from '../domain/contact-errors.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import { insertContact, selectContactCard } from '../store/contacts.js';
import type { Store } from '../store/database.js';
import { insertHistory } from '../store/history.js';
import { lockContactsInOrder, selectContactStates } from '../store/merges.js';
import { enqueueEvents } from '../store/outbox.js';
import { selectIdentitiesByRecentInbound, untieIdentity } from '../store/unmerges.js';
import { contactCardView, type ContactCardView } from './views/contact-card.js';

export interface UnmergeResult {
  /** the new contact that now owns the identity */
  contact_id: string;
  from_contact_id: string;
  identity_id: string;
  moved: { conversations: number; messages: number };
  contact: ContactCardView;
}

/**
 * docs/merging.md `unmerge_client()`: unties one identity — the named one, else the one the client wrote from
 * last — from its contact into a new contact, with that identity's messages in conversations of their own.
 */
export async function unmergeIdentity(store: Store, projectId: string, contactId: string, input: { identity_id?: string; actor: string }): Promise<UnmergeResult> {
  return store.transaction(async (tx) => {
    if ((await lockContactsInOrder(tx, projectId, [contactId], { activeOnly: true })).length === 0) {
      const [contact] = await selectContactStates(tx, projectId, [contactId]);
      if (!contact) throw contactNotFound(contactId);
      throw contactAlreadyMerged(contactId, contact.merged_into, 'unmerge from that contact instead');
    }
    const identities = await selectIdentitiesByRecentInbound(tx, projectId, contactId);
    const identity = input.identity_id === undefined ? identities[0] : identities.find((i) => i.id === input.identity_id);
    if (!identity) {
      throw new DomainError(
        'identity_not_found',
        input.identity_id === undefined ? `contact ${contactId} has no identities to untie` : `contact ${contactId} has no identity ${input.identity_id}; see its identities in GET /v1/contacts/${contactId}`,
      );
    }
    if (identities.length === 1) {
      throw new DomainError('last_identity', `identity ${identity.id} is the only one of contact ${contactId}; there is nothing to untie it from`);
    }

    const newContactId = newId();
    await insertContact(tx, projectId, newContactId, { name: identity.name ?? identity.username, phone: null, email: null, external_id: null, variables: {} }, []);
    const moved = await untieIdentity(tx, { projectId, fromContactId: contactId, toContactId: newContactId, identity, newConversationId: newId() });

    const data = { contact_id: contactId, new_contact_id: newContactId, identity_id: identity.id, actor: input.actor, moved, undo: false };
    await insertHistory(tx, projectId, [{ id: newId(), kind: 'unmerge', contactId, otherContactId: newContactId, data }]);
    await enqueueEvents(tx, projectId, [{ type: 'contact.unmerged', contactId, data }]);
    const contact = contactCardView((await selectContactCard(tx, projectId, newContactId))!);
    return { contact_id: newContactId, from_contact_id: contactId, identity_id: identity.id, moved, contact };
  });
}
