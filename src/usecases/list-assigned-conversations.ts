import { DomainError } from '../domain/errors.js';
import type { Db } from '../store/database.js';
import { selectConversations, type ConversationRow } from '../store/conversations.js';
import type { Caller } from './authenticate.js';
import { decodeCursor, toPage, type Page } from './views/page.js';

/** "me" is the signed-in operator; an API key must name the operator. */
export function assigneeOf(caller: Caller, assignee: string): string {
  if (assignee !== 'me') return assignee;
  if (!caller.operatorId) throw new DomainError('invalid_request', 'assignee=me names the signed-in operator; an API key is no operator: give the operator id (GET /v1/operators lists them)');
  return caller.operatorId;
}

/** The conversations assigned to an operator, across contacts, newest first ("Mine" in the UI). */
export async function listAssignedConversations(db: Db, caller: Caller, query: { assignee: string; cursor?: string; limit?: number }): Promise<Page<ConversationRow>> {
  const limit = query.limit ?? 50;
  const rows = await selectConversations(db, caller.projectId, null, { after: decodeCursor(query.cursor), limit: limit + 1, assigneeId: assigneeOf(caller, query.assignee) });
  return toPage(rows, limit);
}
