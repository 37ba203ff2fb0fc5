import type { Channel } from '../domain/channels.js';
import { LINKS, type LinkFormat } from './link-table.js';

// docs/links.md "One link for every messenger": which buttons a landing page shows. Every channel of the link
// table that has a connected bot, in the project's order (the order its bots were connected), or in the order
// the caller listed; a channel added to the link table appears by itself.

export interface ButtonBot {
  id: string;
  channel: string;
  handle: string;
}

export interface LandingButton {
  channel: Channel;
  format: LinkFormat;
  bot: ButtonBot;
}

/**
 * `bots`: the project's connected bots in the order they were connected; `channels`: the caller's list
 * (null: every messenger); `chosen`: the bot the caller named (`group`), used for its channel.
 */
export function landingButtons(bots: ButtonBot[], channels: string[] | null, chosen: string | null): LandingButton[] {
  const byChannel = new Map<string, ButtonBot>();
  for (const bot of bots) {
    if (!LINKS[bot.channel as Channel]) continue;
    if (channels !== null && !channels.includes(bot.channel)) continue;
    const first = byChannel.get(bot.channel);
    if (!first || (bot.id === chosen && first.id !== chosen)) byChannel.set(bot.channel, bot);
  }
  const order = channels ?? [...byChannel.keys()];
  return order.flatMap((channel) => {
    const bot = byChannel.get(channel);
    return bot ? [{ channel: channel as Channel, format: LINKS[channel as Channel]!, bot }] : [];
  });
}
