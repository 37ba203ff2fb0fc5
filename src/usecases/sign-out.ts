import type { Store } from '../store/database.js';
import { deleteSession } from '../store/operators.js';
import { sessionTokenHash } from './authenticate.js';

/** Ends the session of this cookie's token (nothing to do for an unknown one). */
export async function signOut(store: Store, projectId: string, token: string): Promise<void> {
  await deleteSession(store.db, projectId, sessionTokenHash(token));
}
