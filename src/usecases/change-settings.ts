import { changeSettings as applyChange, type Settings } from '../domain/settings.js';
import type { Store } from '../store/database.js';
import { selectSettings, updateSettings } from '../store/projects.js';

export async function changeSettings(store: Store, projectId: string, change: Partial<Settings>): Promise<Settings> {
  return store.transaction(async (tx) => {
    const next = applyChange(await selectSettings(tx, projectId), change);
    await updateSettings(tx, projectId, next);
    return next;
  });
}
