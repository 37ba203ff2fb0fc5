import type { Db } from '../store/database.js';
import { contactExists } from '../store/contacts.js';
import { selectConversations, type ConversationRow } from '../store/conversations.js';
import { readPage, type Page } from './views/page.js';
import { contactNotFound } from '../domain/contact-errors.js';

/** A contact's conversations, newest first. */
export async function listConversations(
  db: Db,
  projectId: string,
  contactId: string,
  query: { cursor?: string; limit?: number; assigneeId?: string },
): Promise<Page<ConversationRow>> {
  if (!(await contactExists(db, projectId, contactId))) throw contactNotFound(contactId);
  return readPage(query, (page) => selectConversations(db, projectId, contactId, { ...page, assigneeId: query.assigneeId }));
}
