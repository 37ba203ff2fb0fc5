import type { Store } from '../store/database.js';
import { selectBots } from '../store/bots.js';
import { botView, type BotView } from './connect-bot.js';

export async function listBots(store: Store, projectId: string): Promise<{ items: BotView[] }> {
  return { items: (await selectBots(store.db, projectId)).map(botView) };
}
