import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { selectBot, type BotRow } from '../store/bots.js';

const REMEMBER_MS = 30_000;
const remembered = new WeakMap<Store, Map<string, { bot: BotRow; until: number }>>();

/**
 * The project's bot, or `bot_not_found`. Bots change rarely and every inbound message needs one, so
 * found bots are remembered for half a minute per process.
 */
export async function findBot(store: Store, projectId: string, botId: string): Promise<BotRow> {
  let cache = remembered.get(store);
  if (!cache) remembered.set(store, (cache = new Map()));
  const key = `${projectId}/${botId}`;
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.bot;
  const bot = await selectBot(store.db, projectId, botId);
  if (!bot) throw new DomainError('bot_not_found', `no bot ${botId} in this project; create one with POST /v1/bots`);
  cache.set(key, { bot, until: Date.now() + REMEMBER_MS });
  return bot;
}

/** Drops a remembered bot after its settings changed, so this process reads them at once. */
export function forgetBot(store: Store, projectId: string, botId: string): void {
  remembered.get(store)?.delete(`${projectId}/${botId}`);
}
