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
