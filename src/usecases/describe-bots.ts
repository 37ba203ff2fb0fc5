import { selectLastInbound } from '../store/bots.js';
import type { Store } from '../store/database.js';
import type { BotView } from './connect-bot.js';

export interface BotActivity {
  /** OMNIMERGE_PUBLIC_URL + webhook_path: the callback URL to paste; null without a public URL or a webhook */
  webhook_url: string | null;
  /** when a client's message last came in through this bot; null when none has yet */
  last_webhook_at: Date | null;
}

/**
 * Bots as an operator checks them: where their webhook goes and whether it has been heard from. The
 * last messages of all the bots come from one query.
 */
export async function describeBots<T extends BotView>(store: Store, projectId: string, bots: T[], publicUrl: string | null): Promise<Array<T & BotActivity>> {
  const lastInbound = await selectLastInbound(store.db, projectId, bots.map((bot) => bot.id));
  const base = publicUrl?.replace(/\/+$/, '') ?? null;
  return bots.map((bot) => ({
    ...bot,
    webhook_url: base && bot.webhook_path ? `${base}${bot.webhook_path}` : null,
    last_webhook_at: lastInbound.get(bot.id) ?? null,
  }));
}

export async function describeBot<T extends BotView>(store: Store, projectId: string, bot: T, publicUrl: string | null): Promise<T & BotActivity> {
  return (await describeBots(store, projectId, [bot], publicUrl))[0];
}
