import { DomainError } from '../domain/errors.js';
import type { Db } from '../store/database.js';
import { selectConversation } from '../store/conversations.js';
import { selectMessages, type MessageRow } from '../store/messages.js';
import { readPage, type Page } from './views/page.js';

/** A conversation's messages, oldest first unless `order=desc`. */
export async function listMessages(
  db: Db,
  projectId: string,
  conversationId: string,
  query: { cursor?: string; limit?: number; order?: 'asc' | 'desc' },
): Promise<Page<MessageRow>> {
  const conversation = await selectConversation(db, projectId, conversationId);
  if (!conversation) throw new DomainError('conversation_not_found', `no conversation ${conversationId} in this project`);
  return readPage(query, (page) => selectMessages(db, projectId, conversationId, { ...page, order: query.order ?? 'asc' }));
}
