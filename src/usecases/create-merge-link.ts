import type { Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import { LINKABLE_CHANNELS, LINKS, type LinkFormat } from '../links/link-table.js';
import { hashSecret, newMergeCode, newMergeToken } from '../links/secrets.js';
import { newId } from '../ids.js';
import type { BotRow } from '../store/bots.js';
import { lockContact } from '../store/contacts.js';
import type { Store } from '../store/database.js';
import { insertMergeLink, selectFirstBotOfChannel } from '../store/links.js';
import { selectSettings } from '../store/projects.js';
import { requireChannel } from './connect-bot.js';
import { findBot } from './steps/find-bot.js';
import { assertActiveContact } from '../domain/contact-errors.js';
import { chosenBotId } from './steps/find-group-bot.js';

// docs/links.md `get_merge_link(client_type, tag, group)`: a link that moves a known contact to another
// messenger. Token channels carry a 192-bit token in the link; WhatsApp and LINE pre-fill a code the client
// sends; Instagram does both. Expires after the project's `link_ttl_s`.

export interface MergeLinkRequest {
  channel: string | number;
  tag?: string;
  bot_id?: string;
  /** a bot's id or handle (docs/links.md `group`) */
  group?: string;
}

export interface MergeLinkView {
  url: string;
  channel: Channel;
  bot_id: string;
  token?: string;
  code?: string;
  expires_at: Date;
}

export async function createMergeLink(store: Store, projectId: string, contactId: string, request: MergeLinkRequest): Promise<MergeLinkView> {
  const { channel, format } = requireLinkable(request.channel);
  const bot = await linkBot(store, projectId, channel, await chosenBotId(store, projectId, channel, request));
  const token = format.returns === 'code' ? null : newMergeToken();
  const code = format.returns === 'token' ? null : newMergeCode();
  const tag = request.tag?.trim() || null;

  const link = await store.transaction(async (tx) => {
    assertActiveContact(contactId, await lockContact(tx, projectId, contactId), 'make the link for that one');
    const { link_ttl_s } = await selectSettings(tx, projectId);
    return insertMergeLink(tx, projectId, {
      id: newId(), contactId, botId: bot.id, channel, tag,
      tokenHash: token && hashSecret(token), codeHash: code && hashSecret(code), code, ttlSeconds: link_ttl_s,
    });
  });
  return {
    url: format.mergeLink(bot.handle, { token: token ?? undefined, code: code ?? undefined }),
    channel,
    bot_id: bot.id,
    ...(token ? { token } : {}),
    ...(code ? { code } : {}),
    expires_at: link.expires_at,
  };
}

export function requireLinkable(input: string | number): { channel: Channel; format: LinkFormat } {
  const channel = requireChannel(input);
  const format = LINKS[channel];
  if (!format) throw new DomainError('channel_not_linkable', `${channel} has no deep links; links go to ${LINKABLE_CHANNELS.join(', ')}`);
  return { channel, format };
}

/** The bot named, which must be of the channel; by default the project's first bot of that channel. */
async function linkBot(store: Store, projectId: string, channel: Channel, botId: string | undefined): Promise<BotRow> {
  if (botId !== undefined) {
    const bot = await findBot(store, projectId, botId);
    if (bot.channel !== channel) throw new DomainError('bot_channel_mismatch', `bot ${botId} is a ${bot.channel} bot, not ${channel}; pick a ${channel} bot or leave bot_id out`);
    return bot;
  }
  const first = await selectFirstBotOfChannel(store.db, projectId, channel);
  if (!first) throw new DomainError('no_bot_for_channel', `the project has no ${channel} bot; connect one with POST /v1/bots first`);
  return first;
}
