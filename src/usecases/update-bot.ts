import { DomainError } from '../domain/errors.js';
import { updateBotRow, type BotChange } from '../store/bots.js';
import type { Store } from '../store/database.js';
import { botView, type BotView, type StartParam } from './connect-bot.js';
import { forgetBot } from './steps/find-bot.js';

export interface UpdateBotInput {
  name?: string | null;
  start_param?: StartParam;
  trust_start_data?: boolean;
}

/**
 * Changes a bot's name and what its start parameters may do (docs/links.md): `start_param` says whether a
 * plain parameter becomes the contact's external_id, `trust_start_data` whether such fields may merge.
 */
export async function updateBot(store: Store, projectId: string, botId: string, input: UpdateBotInput): Promise<BotView> {
  const change: BotChange = {};
  if (input.name !== undefined) change.name = input.name?.trim() || null;
  if (input.start_param !== undefined) change.start_param = input.start_param;
  if (input.trust_start_data !== undefined) change.trust_start_data = input.trust_start_data;
  const row = await updateBotRow(store.db, projectId, botId, change);
  if (!row) throw new DomainError('bot_not_found', `no bot ${botId} in this project`);
  // other server processes read the change within half a minute (find-bot.ts remembers bots that long)
  forgetBot(store, projectId, botId);
  return botView(row);
}
