import type { Channel } from '../../domain/channels.js';
import { DomainError } from '../../domain/errors.js';
import { selectBots, type BotRow } from '../../store/bots.js';
import type { Store } from '../../store/database.js';
import { findBot } from './find-bot.js';

// docs/links.md: `group`, the seeds' choice of bot for a link: a bot's id or its handle ('testbot', '@testbot').

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The connected bot `group` names; with `channel`, it must be a bot of that channel. */
export async function findGroupBot(store: Store, projectId: string, group: string, channel?: Channel): Promise<BotRow> {
  const wanted = group.trim();
  if (UUID.test(wanted)) {
    const bot = await findBot(store, projectId, wanted);
    if (channel !== undefined && bot.channel !== channel) {
      throw new DomainError('bot_channel_mismatch', `group ${group} is a ${bot.channel} bot, not ${channel}; pick a ${channel} bot or leave group out`);
    }
    return bot;
  }
  const handle = wanted.replace(/^@/, '').toLowerCase();
  const bots = (await selectBots(store.db, projectId)).filter(
    (bot) => bot.handle.replace(/^@/, '').toLowerCase() === handle && (channel === undefined || bot.channel === channel),
  );
  if (bots.length === 0) {
    throw new DomainError('bot_not_found', `no connected ${channel ?? ''}${channel ? ' ' : ''}bot has the id or handle "${group}"; GET /v1/bots lists them`);
  }
  const channels = [...new Set(bots.map((bot) => bot.channel))];
  if (channels.length > 1) throw new DomainError('invalid_request', `"${group}" is the handle of bots on ${channels.join(' and ')}; give the bot's id as group`);
  return bots[0];
}

/** `bot_id` or `group` of a link request (not both): the bot's id, or undefined for the channel's first bot. */
export async function chosenBotId(store: Store, projectId: string, channel: Channel, request: { bot_id?: string; group?: string }): Promise<string | undefined> {
  if (request.group === undefined) return request.bot_id;
  if (request.bot_id !== undefined) throw new DomainError('invalid_request', 'give bot_id or group, not both');
  return (await findGroupBot(store, projectId, request.group, channel)).id;
}
