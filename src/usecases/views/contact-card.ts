import { isUnreachable, messagingWindow, recommendChannel, type Channel } from '../../domain/channels.js';
import type { ContactCardRow, ContactRow } from '../../store/contacts.js';

// The contact card every answer about a contact carries (docs/api.md): its identities with their windows
// and the channel to write in.

export interface IdentityView {
  id: string;
  channel: Channel;
  bot_id: string;
  bot_handle: string;
  external_user_id: string;
  name: string | null;
  username: string | null;
  last_inbound_at: Date | null;
  subscribed: boolean | null;
  window_open: boolean;
  window_closes_at: Date | null;
  bot_connected: boolean;
  /** the messenger said the client cannot be written to (blocked the bot…) and they have not written since */
  reachable: boolean;
  unreachable_reason: string | null;
}

export interface ContactCardView extends ContactRow {
  identities: IdentityView[];
  conversations_count: number;
  recommended_channel: Channel | null;
}

export function contactCardView(row: ContactCardRow, now = new Date()): ContactCardView {
  const identities = row.identities.map((i): IdentityView => {
    const channel = i.channel as Channel;
    const state = { lastInboundAt: i.last_inbound_at, subscribed: i.subscribed, unreachableAt: i.unreachable_at };
    // nothing can be sent through a disconnected bot: its identities have no open window
    const window = i.bot_connected ? messagingWindow(channel, state, now) : { open: false, closesAt: null };
    const reachable = !isUnreachable(state);
    return {
      id: i.id,
      channel,
      bot_id: i.bot_id,
      bot_handle: i.bot_handle,
      external_user_id: i.external_user_id,
      name: i.name,
      username: i.username,
      last_inbound_at: i.last_inbound_at,
      subscribed: i.subscribed,
      window_open: window.open,
      window_closes_at: window.closesAt,
      bot_connected: i.bot_connected,
      reachable,
      unreachable_reason: reachable ? null : i.unreachable_reason,
    };
  });
  return {
    ...row,
    identities,
    recommended_channel: recommendChannel(
      row.identities
        .filter((i) => i.bot_connected)
        .map((i) => ({ channel: i.channel as Channel, lastInboundAt: i.last_inbound_at, subscribed: i.subscribed, unreachableAt: i.unreachable_at })),
      now,
    ),
  };
}
