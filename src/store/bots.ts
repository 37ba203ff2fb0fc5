import type { Db } from './database.js';
import { sql, type Selectable } from 'kysely';
import type { BotsTable } from './schema.js';

export type BotRow = Selectable<BotsTable>;

export async function insertBot(db: Db, bot: BotRow): Promise<void> {
  await db.insertInto('bots').values(bot).execute();
}

/** The project's bot, connected or not (a disconnected bot's conversations still name it). */
export async function selectBot(db: Db, projectId: string, botId: string): Promise<BotRow | undefined> {
  return db.selectFrom('bots').selectAll().where('project_id', '=', projectId).where('id', '=', botId).executeTakeFirst();
}

export async function selectBots(db: Db, projectId: string, { includeDisconnected = false } = {}): Promise<BotRow[]> {
  let query = db.selectFrom('bots').selectAll().where('project_id', '=', projectId);
  if (!includeDisconnected) query = query.where('disconnected_at', 'is', null);
  return query.orderBy('id').execute();
}

/**
 * Marks the bot disconnected and forgets its credentials: nothing can be sent or verified with them any
 * more. Its identities, conversations and messages keep pointing at the row. Answers the updated row,
 * or undefined when the bot was not connected (unknown, or disconnected already).
 */
export async function markBotDisconnected(db: Db, projectId: string, botId: string): Promise<BotRow | undefined> {
  return db
    .updateTable('bots')
    .set({ disconnected_at: new Date(), secret: null, token: null, verify_token: null, confirmation_code: null })
    .where('project_id', '=', projectId)
    .where('id', '=', botId)
    .where('disconnected_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** The project's last disconnected bot of that channel and handle (handles compared case-insensitively). */
export async function selectDisconnectedBot(db: Db, projectId: string, channel: string, handle: string): Promise<BotRow | undefined> {
  return db
    .selectFrom('bots')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('channel', '=', channel)
    .where(sql<string>`lower(handle)`, '=', handle.toLowerCase())
    .where('disconnected_at', 'is not', null)
    .orderBy('disconnected_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Connects a disconnected bot again with new credentials; undefined when it is connected already. */
export async function reconnectBot(db: Db, bot: BotRow): Promise<BotRow | undefined> {
  const { project_id, id, created_at: _created, channel: _channel, ...fields } = bot;
  return db
    .updateTable('bots')
    .set({ ...fields, disconnected_at: null })
    .where('project_id', '=', project_id)
    .where('id', '=', id)
    .where('disconnected_at', 'is not', null)
    .returningAll()
    .executeTakeFirst();
}

/** Takes back a bot whose connection failed before anything could refer to it. */
export async function deleteNewBot(db: Db, projectId: string, botId: string): Promise<void> {
  await db.deleteFrom('bots').where('project_id', '=', projectId).where('id', '=', botId).execute();
}

export type BotChange = Partial<Pick<BotRow, 'name' | 'start_param' | 'trust_start_data'>>;

/** Changes a bot's settings; undefined when the project has no such bot. */
export async function updateBotRow(db: Db, projectId: string, botId: string, change: BotChange): Promise<BotRow | undefined> {
  if (Object.keys(change).length === 0) return selectBot(db, projectId, botId);
  return db.updateTable('bots').set(change).where('project_id', '=', projectId).where('id', '=', botId).returningAll().executeTakeFirst();
}

/**
 * The connected bot a messenger's webhook names by id alone: it cannot send our API key, so no project
 * yet. A disconnected bot is not found: its webhooks answer as for an unknown bot.
 */
export async function selectBotById(db: Db, botId: string): Promise<BotRow | undefined> {
  return db.selectFrom('bots').selectAll().where('id', '=', botId).where('disconnected_at', 'is', null).executeTakeFirst();
}

/**
 * When each of the bots last had a client's message come in (its webhook or POST /v1/inbound): one
 * GROUP BY over the bots' identities, not a query per bot. Bots with no message yet are absent.
 */
export async function selectLastInbound(db: Db, projectId: string, botIds: string[]): Promise<Map<string, Date>> {
  if (botIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('identities')
    .select(['bot_id', (eb) => eb.fn.max('last_inbound_at').as('last_inbound_at')])
    .where('project_id', '=', projectId)
    .where('bot_id', 'in', botIds)
    .where('last_inbound_at', 'is not', null)
    .groupBy('bot_id')
    .execute();
  return new Map(rows.flatMap((row) => (row.last_inbound_at ? [[row.bot_id, new Date(row.last_inbound_at as unknown as string)] as const] : [])));
}
