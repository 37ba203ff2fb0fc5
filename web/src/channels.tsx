import type { Channel } from './api';

// How each channel looks in the UI: a coloured badge with a glyph beside its name (the name is the
// accessible text; the glyph is decoration).
export const CHANNEL_LOOK: Record<Channel, { label: string; color: string; glyph: string }> = {
  telegram: { label: 'Telegram', color: '#229ED9', glyph: '✈' },
  whatsapp: { label: 'WhatsApp', color: '#25D366', glyph: '✆' },
  instagram: { label: 'Instagram', color: '#C13584', glyph: '◎' },
  facebook: { label: 'Messenger', color: '#1877F2', glyph: 'f' },
  viber: { label: 'Viber', color: '#7360F2', glyph: 'V' },
  vk: { label: 'VK', color: '#0077FF', glyph: 'vk' },
  odnoklassniki: { label: 'Odnoklassniki', color: '#EE8208', glyph: 'ok' },
  line: { label: 'LINE', color: '#06C755', glyph: 'L' },
  max: { label: 'MAX', color: '#5B3DF5', glyph: 'M' },
  webchat: { label: 'Web chat', color: '#5B6770', glyph: '…' },
  email: { label: 'E-mail', color: '#6B7280', glyph: '@' },
  sms: { label: 'SMS', color: '#374151', glyph: '✉' },
};

export function channelLabel(channel: Channel): string {
  return CHANNEL_LOOK[channel]?.label ?? channel;
}

export function ChannelIcon({ channel }: { channel: Channel }) {
  const look = CHANNEL_LOOK[channel] ?? { color: '#999', glyph: '?' };
  return (
    <span className="channel-icon" style={{ background: look.color }} aria-hidden="true">
      {look.glyph}
    </span>
  );
}

export function ChannelName({ channel }: { channel: Channel }) {
  return (
    <span className="channel-name">
      <ChannelIcon channel={channel} /> {channelLabel(channel)}
    </span>
  );
}
