import { DomainError } from '../domain/errors.js';
import { contactExists } from '../store/contacts.js';
import type { Store } from '../store/database.js';
import { revokePendingLink } from '../store/pending-links.js';

/** docs/links.md: takes back a pending merge link or code; a client bringing it back is told it expired. */
export async function revokeMergeLink(store: Store, projectId: string, contactId: string, linkId: string): Promise<void> {
  await store.transaction(async (tx) => {
    if (await revokePendingLink(tx, projectId, contactId, linkId)) return;
    if (!(await contactExists(tx, projectId, contactId))) throw new DomainError('contact_not_found', `no contact ${contactId} in this project`);
    throw new DomainError('not_found', `contact ${contactId} has no pending merge link ${linkId}: it was used, replaced, expired or revoked already`);
  });
}
