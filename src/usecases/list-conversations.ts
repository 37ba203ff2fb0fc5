import { DomainError } from '../domain/errors.js';
import type { Db } from '../store/database.js';
import { contactExists } from '../store/contacts.js';
import { selectConversations, type ConversationRow } from '../store/conversations.js';
import { decodeCursor, toPage, type Page } from './page.js';

/** A contact's conversations, newest first. */
export async function listConversations(
  db: Db,
  projectId: string,
  contactId: string,
  query: { cursor?: string; limit?: number; assigneeId?: string },
): Promise<Page<ConversationRow>> {
  if (!(await contactExists(db, projectId, contactId))) throw new DomainError('contact_not_found', `no contact ${contactId} in this project`);
  const limit = query.limit ?? 50;
  return toPage(await selectConversations(db, projectId, contactId, { after: decodeCursor(query.cursor), limit: limit + 1, assigneeId: query.assigneeId }), limit);
}
