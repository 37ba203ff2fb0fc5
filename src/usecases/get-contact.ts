import type { Db } from '../store/database.js';
import { selectContactCard } from '../store/contacts.js';
import { contactNotFound } from '../domain/contact-errors.js';
import { contactCardView, type ContactCardView } from './views/contact-card.js';

/** The contact card (docs/api.md); a merged contact answers with `state: merged` and where it went. */
export async function getContact(db: Db, projectId: string, contactId: string): Promise<ContactCardView> {
  const row = await selectContactCard(db, projectId, contactId);
  if (!row) throw contactNotFound(contactId);
  return contactCardView(row);
}
