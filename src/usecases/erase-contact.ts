import { assertActiveContact } from '../domain/contact-errors.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { lockContactsInOrder } from '../store/merges.js';
import { enqueueEvents } from '../store/outbox.js';
import { deletePersonRows, insertErasure, selectPersonIds } from '../store/person-data.js';

// `DELETE /v1/contacts/{id}?erase=true` (docs/privacy.md): the person is erased for good — the contact,
// the contacts merged into it, their identities, conversations, messages, notes, tags, events, references,
// history, the merges they took part in with their undo journals, suggestions, links and the webhook
// events about them (pending deliveries of those too). What stays is an audit entry with ids and counts,
// and the event `contact.erased`, neither with personal data.

export interface ErasureView {
  erasure_id: string;
  contact_id: string;
  /** the contact and the contacts that had been merged into it */
  erased_contact_ids: string[];
  /** rows deleted, per table */
  erased: Record<string, number>;
  erased_at: Date;
}

export async function eraseContact(store: Store, projectId: string, contactId: string, actor = 'api'): Promise<ErasureView> {
  return store.transaction(async (tx) => {
    const first = await selectPersonIds(tx, projectId, contactId);
    const locked = await lockContactsInOrder(tx, projectId, first.contacts);
    const contact = locked.find((c) => c.id === contactId);
    assertActiveContact(contactId, contact, `erase ${contact?.merged_into}, the whole person, or undo the merge first to erase only this part`);
    // with the family locked, nothing moves in or out of it any more: read what it owns now
    const ids = await selectPersonIds(tx, projectId, contactId);
    const erased = await deletePersonRows(tx, projectId, ids);
    const view: ErasureView = { erasure_id: newId(), contact_id: contactId, erased_contact_ids: ids.contacts, erased, erased_at: new Date() };
    await insertErasure(tx, projectId, { id: view.erasure_id, contactId, erasedContactIds: ids.contacts, erased, actor, at: view.erased_at });
    await enqueueEvents(tx, projectId, [
      { type: 'contact.erased', contactId, data: { contact_id: contactId, erased_contact_ids: ids.contacts, erasure_id: view.erasure_id } },
    ]);
    return view;
  });
}
