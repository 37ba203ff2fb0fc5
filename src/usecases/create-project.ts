import { generateApiKey, hashApiKey } from '../domain/api-keys.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { findProjectIdByKeyHash, insertApiKey, insertProject } from '../store/projects.js';

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
