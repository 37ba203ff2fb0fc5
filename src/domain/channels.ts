// The channels' differences live in this one table (STYLE.md: a table beats a switch).
// Seed numbers are the seeds' `client_type` (docs/concepts.md); window rules are docs/messengers.md; `ownWebhook`: the
// messenger's own webhook payload is read at /v1/channels/<channel>/<bot id> (docs/messengers.md, src/channels).
// `maxText`: the longest text one message may carry on that messenger, in UTF-16 code units (as
// JavaScript and Telegram count them); null where omnimerge hands the message to the host.

/**
 * When a business may send a free-form message (docs/messengers.md): `hours` after the client's last inbound
 * message (Meta's customer-service window), while the client is subscribed (Viber), or always.
 */
export type WindowRule = { kind: 'always' } | { kind: 'hours'; hours: number } | { kind: 'subscription' };

const ALWAYS: WindowRule = { kind: 'always' };
const META_24H: WindowRule = { kind: 'hours', hours: 24 };

export const CHANNELS = {
  telegram: { seed: 1, window: ALWAYS, ownWebhook: true, maxText: 4096 },
  viber: { seed: 2, window: { kind: 'subscription' }, ownWebhook: true, maxText: 7000 },
  facebook: { seed: 3, window: META_24H, ownWebhook: true, maxText: 2000 },
  whatsapp: { seed: 6, window: META_24H, ownWebhook: true, maxText: 4096 },
  instagram: { seed: 10, window: META_24H, ownWebhook: true, maxText: 1000 },
  vk: { seed: 0, window: ALWAYS, ownWebhook: true, maxText: 4096 },
  odnoklassniki: { seed: 8, window: ALWAYS, ownWebhook: false, maxText: null },
  line: { seed: null, window: ALWAYS, ownWebhook: true, maxText: 5000 },
  // MAX Bot API (schema 0.0.33): a bot writes to a person who started it at any time, until they stop it
  // (403); NewMessageBody.text is at most 4000 characters
  max: { seed: null, window: ALWAYS, ownWebhook: true, maxText: 4000 },
  webchat: { seed: null, window: ALWAYS, ownWebhook: false, maxText: null },
  email: { seed: null, window: ALWAYS, ownWebhook: false, maxText: null },
  sms: { seed: null, window: ALWAYS, ownWebhook: false, maxText: null },
} as const satisfies Record<string, { seed: number | null; window: WindowRule; ownWebhook: boolean; maxText: number | null }>;

export type Channel = keyof typeof CHANNELS;

export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

const BY_SEED = new Map<number, Channel>(
  CHANNEL_NAMES.flatMap((name) => {
    const seed = CHANNELS[name].seed;
    return seed === null ? [] : [[seed, name] as const];
  }),
);

/** Accepts a channel's name (`telegram`) or its seed number (`1`, `"1"`); null when it is neither. */
export function parseChannel(input: string | number): Channel | null {
  const text = String(input).trim().toLowerCase();
  if (/^\d+$/.test(text)) return BY_SEED.get(Number(text)) ?? null;
  return text in CHANNELS ? (text as Channel) : null;
}

export function describeChannels(): string {
  return CHANNEL_NAMES.map((name) => {
    const seed = CHANNELS[name].seed;
    return seed === null ? name : `${name} (${seed})`;
  }).join(', ');
}

/** What the window depends on: the client's last inbound message and, on Viber, the subscription. */
export interface WindowState {
  lastInboundAt: Date | null;
  /** null: no subscribe / unsubscribe seen; a client who wrote counts as subscribed (Viber subscribes on the first message) */
  subscribed?: boolean | null;
  /** when the messenger last refused a message because the client cannot be written to (e.g. blocked the bot) */
  unreachableAt?: Date | null;
}

/** A client who blocked the bot is unreachable until they write again. */
export function isUnreachable(state: WindowState): boolean {
  const since = state.unreachableAt ?? null;
  return since !== null && (state.lastInboundAt === null || since.getTime() > state.lastInboundAt.getTime());
}

export interface MessagingWindow {
  open: boolean;
  /** when an open window closes; null when it does not close by time */
  closesAt: Date | null;
}

/** The customer-service window of docs/messengers.md for one identity. */
export function messagingWindow(channel: Channel, state: WindowState, now: Date = new Date()): MessagingWindow {
  const rule: WindowRule = CHANNELS[channel].window;
  if (isUnreachable(state)) return { open: false, closesAt: null };
  switch (rule.kind) {
    case 'always':
      return { open: true, closesAt: null };
    case 'subscription':
      return { open: state.subscribed ?? state.lastInboundAt !== null, closesAt: null };
    case 'hours': {
      if (state.lastInboundAt === null) return { open: false, closesAt: null };
      const closesAt = new Date(state.lastInboundAt.getTime() + rule.hours * 3_600_000);
      return { open: closesAt.getTime() > now.getTime(), closesAt };
    }
  }
}

/**
 * The channel to answer in (docs/messengers.md): an open window that closes by time first (use it while it
 * lasts), then an open channel that does not close by time; the most recently active within each;
 * null when nothing is open.
 */
export function recommendChannel(identities: ReadonlyArray<WindowState & { channel: Channel }>, now: Date = new Date()): Channel | null {
  const recent = (a: WindowState, b: WindowState) => (b.lastInboundAt?.getTime() ?? 0) - (a.lastInboundAt?.getTime() ?? 0);
  const open = identities
    .map((identity) => ({ identity, window: messagingWindow(identity.channel, identity, now) }))
    .filter(({ window }) => window.open);
  const closing = open.filter(({ window }) => window.closesAt !== null).map(({ identity }) => identity).sort(recent);
  const lasting = open.filter(({ window }) => window.closesAt === null).map(({ identity }) => identity).sort(recent);
  return closing[0]?.channel ?? lasting[0]?.channel ?? null;
}

/** The channels a contact can be written to now, for the message that refuses a closed window. */
export function openChannels(identities: ReadonlyArray<WindowState & { channel: Channel }>, now: Date = new Date()): Channel[] {
  return [...new Set(identities.filter((i) => messagingWindow(i.channel, i, now).open).map((i) => i.channel))];
}
