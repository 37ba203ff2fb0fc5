// docs/links.md: what a merge token or code that came back may do. Pure, so every refusal is tested on its own.

export interface LinkSeen {
  id: string;
  bot_id: string;
  channel: string;
  /** how it came back */
  by: 'token' | 'code';
  expires_at: Date;
  replaced_at: Date | null;
  used_by_identity_id: string | null;
}

export interface Arrival {
  identityId: string;
  botId: string;
  now: Date;
}

export type LinkVerdict =
  | { kind: 'complete' }
  /** the same identity brought it back again: nothing to do */
  | { kind: 'repeat' }
  | { kind: 'refused'; code: LinkRefusal; message: string };

export type LinkRefusal = 'link_expired' | 'code_replaced' | 'link_for_other_bot' | 'link_used';

export function judgeLink(link: LinkSeen, arrival: Arrival): LinkVerdict {
  const what = link.by === 'code' ? 'merge code' : 'merge link';
  if (link.used_by_identity_id === arrival.identityId) return { kind: 'repeat' };
  if (link.used_by_identity_id !== null) {
    return { kind: 'refused', code: 'link_used', message: `this ${what} was already used by another client; ask for a new one` };
  }
  if (link.expires_at.getTime() <= arrival.now.getTime()) {
    return { kind: 'refused', code: 'link_expired', message: `this ${what} expired at ${link.expires_at.toISOString()}; ask for a new one` };
  }
  if (link.by === 'code' && link.replaced_at !== null) {
    return { kind: 'refused', code: 'code_replaced', message: 'a newer merge code replaced this one; send the latest code' };
  }
  if (link.bot_id !== arrival.botId) {
    return { kind: 'refused', code: 'link_for_other_bot', message: `this ${what} is for another ${link.channel} bot; write to the bot the link points to` };
  }
  return { kind: 'complete' };
}

/** docs/links.md: more than this many wrong codes an hour from one identity are ignored. */
export const MAX_WRONG_CODES_PER_HOUR = 10;
