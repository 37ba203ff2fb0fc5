import type { Db } from '../store/database.js';
import { contactExists } from '../store/contacts.js';
import { selectConversations, type ConversationRow } from '../store/conversations.js';
import { decodeCursor, toPage, type Page } from './views/page.js';
import { contactNotFound } from '../domain/contact-errors.js';

/** A contact's conversations, newest first. */
export async function listConversations(
  db: Db,
  projectId: string,
  contactId: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<ConversationRow>> {
  if (!(await contactExists(db, projectId, contactId))) throw contactNotFound(contactId);
  const limit = query.limit ?? 50;
  return toPage(await selectConversations(db, projectId, contactId, { after: decodeCursor(query.cursor), limit: limit + 1 }), limit);
}
