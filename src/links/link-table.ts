import type { Channel } from '../domain/channels.js';
import type { PayloadLimit } from './invite-payload.js';

// docs/links.md: one table for every channel's deep links — the link format, and whether the
// client brings a token back in the link's parameter or sends a code as text.

export interface LinkFormat {
  /** how the messenger is called in a message to the client */
  title: string;
  /** token: the parameter comes back with the first message; code: the client sends a code as text; both: Instagram */
  returns: 'token' | 'code' | 'both';
  /** the merge link; `token` for token channels, `code` for code channels */
  mergeLink: (handle: string, secret: { token?: string; code?: string }) => string;
  /** where an invite link's payload comes back: the start / ref / context parameter, or the text the link pre-fills */
  inviteReturnsIn: 'payload' | 'text';
  /** the invite link with a data payload (docs/links.md) */
  inviteLink: (handle: string, payload: string) => string;
  /** the longest parameter the messenger passes on, when it is not Telegram's 64 (docs/links.md) */
  payloadLimit?: PayloadLimit;
}

const q = encodeURIComponent;
const digits = (handle: string) => handle.replace(/\D/g, '');

export const LINKS: Partial<Record<Channel, LinkFormat>> = {
  telegram: {
    title: 'Telegram',
    inviteReturnsIn: 'payload',
    returns: 'token',
    mergeLink: (bot, { token }) => `https://t.me/${bot}?start=${token}`,
    inviteLink: (bot, payload) => `https://t.me/${bot}?start=${payload}`,
  },
  facebook: {
    title: 'Messenger',
    inviteReturnsIn: 'payload',
    returns: 'token',
    mergeLink: (page, { token }) => `https://m.me/${page}?ref=${token}`,
    inviteLink: (page, payload) => `https://m.me/${page}?ref=${payload}`,
  },
  instagram: {
    title: 'Instagram',
    inviteReturnsIn: 'payload',
    returns: 'both',
    mergeLink: (user, { token }) => `https://ig.me/m/${user}?ref=${token}`,
    inviteLink: (user, payload) => `https://ig.me/m/${user}?ref=${payload}`,
  },
  viber: {
    title: 'Viber',
    inviteReturnsIn: 'payload',
    returns: 'token',
    mergeLink: (uri, { token }) => `viber://pa?chatURI=${q(uri)}&context=${token}`,
    inviteLink: (uri, payload) => `viber://pa?chatURI=${q(uri)}&context=${payload}`,
  },
  vk: {
    title: 'VK',
    inviteReturnsIn: 'payload',
    returns: 'token',
    mergeLink: (group, { token }) => `https://vk.me/${group}?ref=${token}`,
    inviteLink: (group, payload) => `https://vk.me/${group}?ref=${payload}`,
  },
  whatsapp: {
    title: 'WhatsApp',
    inviteReturnsIn: 'text',
    returns: 'code',
    mergeLink: (number, { code }) => `https://wa.me/${digits(number)}?text=${q(code ?? '')}`,
    inviteLink: (number, payload) => `https://wa.me/${digits(number)}?text=${q(payload)}`,
  },
  // MAX Bot API schema 0.0.33, "Deep linking": max.ru/<bot name>?start=<payload> arrives as the
  // bot_started update's `payload`; a payload over 128 characters is dropped, not passed to the bot
  max: {
    title: 'MAX',
    inviteReturnsIn: 'payload',
    returns: 'token',
    mergeLink: (bot, { token }) => `https://max.ru/${bot}?start=${token}`,
    inviteLink: (bot, payload) => `https://max.ru/${bot}?start=${payload}`,
    payloadLimit: { length: 128, what: "MAX's limit for a start parameter: a longer one never reaches the bot" },
  },
  line: {
    title: 'LINE',
    inviteReturnsIn: 'text',
    returns: 'code',
    mergeLink: (id, { code }) => `https://line.me/R/oaMessage/${q(id)}/?${q(code ?? '')}`,
    inviteLink: (id, payload) => `https://line.me/R/oaMessage/${q(id)}/?${q(payload)}`,
  },
};

/** Channels a client can be moved to with a link. */
export const LINKABLE_CHANNELS = Object.keys(LINKS) as Channel[];

/** The start parameter of a Telegram message `/start <param>` or `/start@bot <param>`; null otherwise. */
export function startParameter(text: string | undefined): string | null {
  const match = /^\/start(?:@\w+)?\s+(\S+)\s*$/.exec(text?.trim() ?? '');
  return match ? match[1] : null;
}
