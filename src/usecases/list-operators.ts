import type { Db } from '../store/database.js';
import { selectOperators, type OperatorRow } from '../store/operators.js';

/** The project's operators by name, disabled ones included (with disabled_at). */
export async function listOperators(db: Db, projectId: string): Promise<{ items: OperatorRow[] }> {
  return { items: await selectOperators(db, projectId) };
}
