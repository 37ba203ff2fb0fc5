import type { Store } from '../store/database.js';
import { selectPersonIds, selectPersonRows } from '../store/person-data.js';
import { getContact } from './get-contact.js';
import type { ContactCardView } from './views/contact-card.js';

// `GET /v1/contacts/{id}/export` (docs/privacy.md): everything stored about one person as one JSON
// document — the card, then every row of every table that holds the person's data, read in one
// transaction. The same table of tables tells an erasure what to delete.

export type ContactExport = {
  exported_at: Date;
  contact: ContactCardView;
  /** rows of tables added by later versions that name the person's contacts, identities, conversations or messages */
  other: Record<string, Array<Record<string, unknown>>>;
} & Record<string, unknown>;

export async function exportContact(store: Store, projectId: string, contactId: string): Promise<ContactExport> {
  return store.transaction(async (tx) => {
    const contact = await getContact(tx, projectId, contactId);
    const ids = await selectPersonIds(tx, projectId, contactId);
    const { rows, other } = await selectPersonRows(tx, projectId, ids);
    return { exported_at: new Date(), contact, ...rows, other };
  });
}
