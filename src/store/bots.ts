import type { Db } from './database.js';
import type { Selectable } from 'kysely';
import type { BotsTable } from './schema.js';

export type BotRow = Selectable<BotsTable>;

export async function insertBot(db: Db, bot: BotRow): Promise<void> {
  await db.insertInto('bots').values(bot).execute();
}

export async function selectBot(db: Db, projectId: string, botId: string): Promise<BotRow | undefined> {
  return db.selectFrom('bots').selectAll().where('project_id', '=', projectId).where('id', '=', botId).executeTakeFirst();
}

export async function selectBots(db: Db, projectId: string): Promise<BotRow[]> {
  return db.selectFrom('bots').selectAll().where('project_id', '=', projectId).orderBy('id').execute();
}

export type BotChange = Partial<Pick<BotRow, 'name' | 'start_param' | 'trust_start_data'>>;

/** Changes a bot's settings; undefined when the project has no such bot. */
export async function updateBotRow(db: Db, projectId: string, botId: string, change: BotChange): Promise<BotRow | undefined> {
  if (Object.keys(change).length === 0) return selectBot(db, projectId, botId);
  return db.updateTable('bots').set(change).where('project_id', '=', projectId).where('id', '=', botId).returningAll().executeTakeFirst();
}
