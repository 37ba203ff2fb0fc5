import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { disableOperator as disable, type OperatorRow } from '../store/operators.js';

/** The operator can no longer sign in and is signed out everywhere; their name stays in history. */
export async function disableOperator(store: Store, projectId: string, id: string): Promise<OperatorRow> {
  const row = await store.transaction((tx) => disable(tx, projectId, id));
  if (!row) throw new DomainError('operator_not_found', `no operator ${id} in this project; GET /v1/operators lists them`);
  return row;
}
