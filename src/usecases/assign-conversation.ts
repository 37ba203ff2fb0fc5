import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { selectOperator, updateAssignee } from '../store/operators.js';
import type { Caller } from './authenticate.js';

/**
 * Assigns a conversation to an operator ("me": the signed-in operator), or to no one with null.
 * A disabled operator cannot be given new conversations.
 */
export async function assignConversation(store: Store, caller: Caller, conversationId: string, operatorId: string | null): Promise<{ conversation_id: string; assignee: { id: string; name: string } | null }> {
  let id = operatorId;
  if (id === 'me') {
    if (!caller.operatorId) throw new DomainError('invalid_request', '"me" names the signed-in operator; an API key is no operator: give the operator_id (GET /v1/operators lists them)');
    id = caller.operatorId;
  }
  let assignee: { id: string; name: string } | null = null;
  if (id !== null) {
    const operator = await selectOperator(store.db, caller.projectId, id);
    if (!operator) throw new DomainError('operator_not_found', `no operator ${id} in this project; GET /v1/operators lists them`);
    if (operator.disabled_at) throw new DomainError('invalid_request', `operator ${operator.name} is disabled and cannot be assigned conversations`);
    assignee = { id: operator.id, name: operator.name };
  }
  if (!(await updateAssignee(store.db, caller.projectId, conversationId, id))) {
    throw new DomainError('conversation_not_found', `no conversation ${conversationId} in this project`);
  }
  return { conversation_id: conversationId, assignee };
}
