import { DomainError } from '../domain/errors.js';
import { contactExists } from '../store/contacts.js';
import type { Db } from '../store/database.js';
import { selectPendingLinks, type PendingLinkRow } from '../store/pending-links.js';

/** docs/links.md: the contact's merge links and codes a client may still bring back. */
export async function listPendingLinks(db: Db, projectId: string, contactId: string): Promise<{ items: PendingLinkRow[] }> {
  if (!(await contactExists(db, projectId, contactId))) throw new DomainError('contact_not_found', `no contact ${contactId} in this project`);
  return { items: await selectPendingLinks(db, projectId, contactId) };
}
