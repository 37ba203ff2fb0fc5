import type { Store } from '../store/database.js';
import { selectBots } from '../store/bots.js';
import { botView, type BotView } from './connect-bot.js';

/** The project's connected bots; disconnected ones too when asked (their history still names them). */
export async function listBots(store: Store, projectId: string, options: { includeDisconnected?: boolean } = {}): Promise<{ items: BotView[] }> {
  return { items: (await selectBots(store.db, projectId, options)).map(botView) };
}
