import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { findProjectIdByKeyHash, insertApiKey, insertProject } from '../store/projects.js';

/** Keys are stored as their SHA-256: a key is 256 random bits, so a fast hash is enough to make a leak useless. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `om_${randomBytes(32).toString('base64url')}`;
}

/** A new project with its first API key; the key is shown only here. */
export async function createProject(store: Store, name: string): Promise<{ project_id: string; api_key: string }> {
  const projectId = newId();
  const apiKey = generateApiKey();
  await store.transaction(async (tx) => {
    await insertProject(tx, { projectId, name });
    await insertApiKey(tx, { projectId, id: newId(), keyHash: hashApiKey(apiKey), label: 'api' });
  });
  return { project_id: projectId, api_key: apiKey };
}

/** `OMNIMERGE_API_KEY`: makes sure a project answers to this key, creating one when none does. */
export async function ensureProjectForKey(store: Store, apiKey: string, name = 'default'): Promise<{ project_id: string; created: boolean }> {
  const keyHash = hashApiKey(apiKey);
  return store.transaction(async (tx) => {
    const existing = await findProjectIdByKeyHash(tx, keyHash);
    if (existing) return { project_id: existing, created: false };
    const projectId = newId();
    await insertProject(tx, { projectId, name });
    await insertApiKey(tx, { projectId, id: newId(), keyHash, label: 'OMNIMERGE_API_KEY' });
    return { project_id: projectId, created: true };
  });
}
