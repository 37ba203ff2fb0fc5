// The channels' differences live in this one table (STYLE.md: a table beats a switch).
// Seed numbers are the seeds' `client_type` (SPEC §1); window hours are SPEC §6.

export const CHANNELS = {
  telegram: { seed: 1, windowHours: null },
  viber: { seed: 2, windowHours: null },
  facebook: { seed: 3, windowHours: 24 },
  whatsapp: { seed: 6, windowHours: 24 },
  instagram: { seed: 10, windowHours: 24 },
  vk: { seed: 0, windowHours: null },
  odnoklassniki: { seed: 8, windowHours: null },
  line: { seed: null, windowHours: null },
  webchat: { seed: null, windowHours: null },
  email: { seed: null, windowHours: null },
  sms: { seed: null, windowHours: null },
} as const satisfies Record<string, { seed: number | null; windowHours: number | null }>;

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

/**
 * The customer-service window of SPEC §6: open until `windowHours` after the client's last inbound
 * message; channels without a window are always open.
 */
export function messagingWindow(
  channel: Channel,
  lastInboundAt: Date | null,
  now: Date = new Date(),
): { open: boolean; closesAt: Date | null } {
  const hours = CHANNELS[channel].windowHours;
  if (hours === null) return { open: true, closesAt: null };
  if (lastInboundAt === null) return { open: false, closesAt: null };
  const closesAt = new Date(lastInboundAt.getTime() + hours * 3_600_000);
  return { open: closesAt.getTime() > now.getTime(), closesAt };
}

/**
 * The channel to answer in (SPEC §6): an open window first (the most recently active one), then a
 * channel that has no window at all; null when every window is closed.
 */
export function recommendChannel(
  identities: ReadonlyArray<{ channel: Channel; lastInboundAt: Date | null }>,
  now: Date = new Date(),
): Channel | null {
  const windowed = identities
    .filter((i) => CHANNELS[i.channel].windowHours !== null && messagingWindow(i.channel, i.lastInboundAt, now).open)
    .sort((a, b) => (b.lastInboundAt?.getTime() ?? 0) - (a.lastInboundAt?.getTime() ?? 0));
  if (windowed.length > 0) return windowed[0].channel;
  const unwindowed = identities
    .filter((i) => CHANNELS[i.channel].windowHours === null)
    .sort((a, b) => (b.lastInboundAt?.getTime() ?? 0) - (a.lastInboundAt?.getTime() ?? 0));
  return unwindowed[0]?.channel ?? null;
}
