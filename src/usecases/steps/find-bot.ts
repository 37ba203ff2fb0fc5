import { DomainError } from '../../domain/errors.js';
import type { Store } from '../../store/database.js';
import { selectBot, type BotRow } from '../../store/bots.js';

const REMEMBER_MS = 30_000;
const remembered = new WeakMap<Store, Map<string, { bot: BotRow; until: number }>>();

function cacheOf(store: Store): Map<string, { bot: BotRow; until: number }> {
  let cache = remembered.get(store);
  if (!cache) remembered.set(store, (cache = new Map()));
  return cache;
}

/**
 * The project's connected bot, or `bot_not_found` / `bot_disconnected`. Bots change rarely and every
 * inbound message needs one, so found bots are remembered for half a minute per process; disconnecting
 * a bot forgets it at once in this process (other processes on the same database within 30 s).
 */
export async function findBot(store: Store, projectId: string, botId: string): Promise<BotRow> {
  const cache = cacheOf(store);
  const key = `${projectId}/${botId}`;
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.bot;
  const bot = await selectBot(store.db, projectId, botId);
  if (!bot) throw new DomainError('bot_not_found', `no bot ${botId} in this project; create one with POST /v1/bots`);
  if (bot.disconnected_at) {
    throw new DomainError('bot_disconnected', `bot ${botId} was disconnected at ${bot.disconnected_at.toISOString()}; its history stays readable, but to use the account again connect it with POST /v1/bots`);
  }
  cache.set(key, { bot, until: Date.now() + REMEMBER_MS });
  return bot;
}

/** Drops a remembered bot after its settings changed, so this process reads them at once. */
export function forgetBot(store: Store, projectId: string, botId: string): void {
  remembered.get(store)?.delete(`${projectId}/${botId}`);
}
