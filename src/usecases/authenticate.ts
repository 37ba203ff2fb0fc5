import type { Store } from '../store/database.js';
import { findProjectIdByKeyHash } from '../store/projects.js';
import { hashApiKey } from '../domain/api-keys.js';

const REMEMBER_MS = 60_000;

/**
 * Answers the project an API key belongs to, or null. Known keys are remembered for a minute so the
 * hot path does not pay a round trip per request; unknown keys are always asked again, unless
 * `rememberedOnly` (a caller refused for too many failures) says not to ask the database at all.
 */
export function createAuthenticator(store: Store): (apiKey: string, options?: { rememberedOnly?: boolean }) => Promise<string | null> {
  const known = new Map<string, { projectId: string; until: number }>();
  return async (apiKey, { rememberedOnly = false } = {}) => {
    const keyHash = hashApiKey(apiKey);
    const hit = known.get(keyHash);
    if (hit && hit.until > Date.now()) return hit.projectId;
    if (rememberedOnly) return null;
    const projectId = await findProjectIdByKeyHash(store.db, keyHash);
    if (projectId) known.set(keyHash, { projectId, until: Date.now() + REMEMBER_MS });
    else known.delete(keyHash);
    return projectId;
  };
}
