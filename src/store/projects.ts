import type { Settings } from '../domain/settings.js';
import type { Db } from './database.js';
import { jsonb } from './sql.js';

export async function insertProject(db: Db, project: { projectId: string; name: string }): Promise<void> {
  await db.insertInto('projects').values({ project_id: project.projectId, name: project.name, blocked_values: jsonb([]) }).execute();
}

export async function insertApiKey(db: Db, key: { projectId: string; id: string; keyHash: string; label: string | null }): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({ project_id: key.projectId, id: key.id, key_hash: key.keyHash, label: key.label })
    .execute();
}

export async function findProjectIdByKeyHash(db: Db, keyHash: string): Promise<string | null> {
  const row = await db.selectFrom('api_keys').select('project_id').where('key_hash', '=', keyHash).executeTakeFirst();
  return row?.project_id ?? null;
}

export async function selectSettings(db: Db, projectId: string): Promise<Settings> {
  const row = await db
    .selectFrom('projects')
    .select(['merge_mode', 'default_region', 'link_ttl_s', 'blocked_values', 'max_shared', 'likely_threshold'])
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return row;
}

export async function updateSettings(db: Db, projectId: string, settings: Settings): Promise<void> {
  await db
    .updateTable('projects')
    .set({
      merge_mode: settings.merge_mode,
      default_region: settings.default_region,
      link_ttl_s: settings.link_ttl_s,
      blocked_values: jsonb(settings.blocked_values),
      max_shared: settings.max_shared,
      likely_threshold: settings.likely_threshold,
    })
    .where('project_id', '=', projectId)
    .execute();
}

/**
 * The key of the MAC inside invite links made by the API (docs/links.md), made on first use: the first
 * writer wins, so concurrent first links agree on it.
 */
export async function selectInviteSecret(db: Db, projectId: string, fresh: () => string): Promise<string> {
  const known = await db.selectFrom('projects').select('invite_secret').where('project_id', '=', projectId).executeTakeFirst();
  if (known?.invite_secret) return known.invite_secret;
  await db.updateTable('projects').set({ invite_secret: fresh() }).where('project_id', '=', projectId).where('invite_secret', 'is', null).execute();
  const row = await db.selectFrom('projects').select('invite_secret').where('project_id', '=', projectId).executeTakeFirstOrThrow();
  return row.invite_secret!;
}
