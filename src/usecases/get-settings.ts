import type { Settings } from '../domain/settings.js';
import type { Db } from '../store/database.js';
import { selectSettings } from '../store/projects.js';

export async function getSettings(db: Db, projectId: string): Promise<Settings> {
  return selectSettings(db, projectId);
}
