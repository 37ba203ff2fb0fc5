import { Type } from '@sinclair/typebox';
import { normalizePhone } from '../domain/normalize.js';
import type { InboundAttachment } from '../usecases/resolve-inbound.js';
import { DeliveryRefused, callApi, defined, emptyWebhook, geoUri, readPayload, textOf, type MessengerAdapter } from './kit.js';
import { GRAPH_ERRORS, META_PLATFORM } from './meta.js';

// WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks): Meta's webhook
// envelope with `entry[].changes[].value.messages[]`; the sender's `wa_id` is their phone number and
// `contacts[].profile.name` their name. Statuses (sent, delivered, read) carry no person's message.

const Media = Type.Object({
  id: Type.String(),
  mime_type: Type.Optional(Type.String()),
  caption: Type.Optional(Type.String()),
  filename: Type.Optional(Type.String()),
  voice: Type.Optional(Type.Boolean()),
});
const Message = Type.Object({
  from: Type.String(),
  id: Type.String(),
  timestamp: Type.String(),
  type: Type.String(),
  text: Type.Optional(Type.Object({ body: Type.String() })),
  button: Type.Optional(Type.Object({ text: Type.String() })),
  interactive: Type.Optional(
    Type.Object({
      button_reply: Type.Optional(Type.Object({ title: Type.String() })),
      list_reply: Type.Optional(Type.Object({ title: Type.String() })),
    }),
  ),
  image: Type.Optional(Media),
  video: Type.Optional(Media),
  audio: Type.Optional(Media),
  document: Type.Optional(Media),
  sticker: Type.Optional(Media),
  location: Type.Optional(Type.Object({ latitude: Type.Number(), longitude: Type.Number(), name: Type.Optional(Type.String()), address: Type.Optional(Type.String()) })),
  contacts: Type.Optional(
    Type.Array(Type.Object({ name: Type.Optional(Type.Object({ formatted_name: Type.Optional(Type.String()) })), phones: Type.Optional(Type.Array(Type.Object({ phone: Type.Optional(Type.String()) }))) })),
  ),
  // click-to-WhatsApp ads: a fact about the conversation, never an identity
  referral: Type.Optional(
    Type.Object({
      source_url: Type.Optional(Type.String()),
      source_id: Type.Optional(Type.String()),
      source_type: Type.Optional(Type.String()),
      headline: Type.Optional(Type.String()),
      body: Type.Optional(Type.String()),
      media_type: Type.Optional(Type.String()),
      ctwa_clid: Type.Optional(Type.String()),
    }),
  ),
});
type WhatsAppMessage = (typeof Message)['static'];

/**
 * Message types that carry something a person said. Reactions, `system` notices (a changed number),
 * `unsupported` and `ephemeral` messages are acknowledged and ignored (docs/messengers.md).
 */
const CONTENT_TYPES = new Set(['text', 'button', 'interactive', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'order']);

const MEDIA: Array<[key: 'image' | 'video' | 'audio' | 'document' | 'sticker', type: string]> = [
  ['image', 'photo'],
  ['video', 'video'],
  ['audio', 'audio'],
  ['document', 'document'],
  ['sticker', 'sticker'],
];

/** Media come as a media id to fetch from the Graph API; their caption is the message's text. */
function attachmentsOf(message: WhatsAppMessage): InboundAttachment[] {
  const found: InboundAttachment[] = [];
  for (const [key, type] of MEDIA) {
    const media = message[key];
    if (media) found.push(defined({ type: key === 'audio' && media.voice ? 'voice' : type, file_id: media.id, mime_type: media.mime_type, name: media.filename }));
  }
  if (message.location) {
    const { latitude, longitude, name, address } = message.location;
    found.push(defined({ type: 'location', url: geoUri(latitude, longitude), name: name ?? address }));
  }
  for (const card of message.contacts ?? []) {
    const phone = card.phones?.find((p) => p.phone)?.phone;
    found.push(defined({ type: 'contact', url: phone ? `tel:${phone.replace(/[^\d+]/g, '')}` : undefined, name: card.name?.formatted_name }));
  }
  return found;
}

function captionOf(message: WhatsAppMessage): string | undefined {
  return message.image?.caption ?? message.video?.caption ?? message.document?.caption;
}

function referralOf(message: WhatsAppMessage): Record<string, string> | undefined {
  if (!message.referral) return undefined;
  const r = message.referral;
  return defined({ source: 'ADS', source_type: r.source_type, ad_id: r.source_id, source_url: r.source_url, headline: r.headline, body: r.body, media_type: r.media_type, ctwa_clid: r.ctwa_clid });
}

const Value = Type.Object({
  messaging_product: Type.Literal('whatsapp'),
  metadata: Type.Object({ display_phone_number: Type.String(), phone_number_id: Type.String() }),
  contacts: Type.Optional(Type.Array(Type.Object({ wa_id: Type.String(), profile: Type.Optional(Type.Object({ name: Type.Optional(Type.String()) })) }))),
  messages: Type.Optional(Type.Array(Message)),
});
const Notification = Type.Object({
  object: Type.Literal('whatsapp_business_account'),
  entry: Type.Array(Type.Object({ id: Type.String(), changes: Type.Array(Type.Object({ field: Type.String(), value: Type.Unknown() })) })),
});

export const whatsapp: MessengerAdapter = {
  ...META_PLATFORM,

  parse(payload) {
    const notification = readPayload(Notification, payload, 'WhatsApp Cloud API');
    const parsed = emptyWebhook();
    for (const change of notification.entry.flatMap((e) => e.changes)) {
      // other fields (account updates, templates…) are acknowledged and ignored
      if (change.field !== 'messages') continue;
      const value = readPayload(Value, change.value, 'WhatsApp Cloud API');
      for (const message of value.messages ?? []) {
        if (!CONTENT_TYPES.has(message.type)) continue;
        const contact = value.contacts?.find((c) => c.wa_id === message.from);
        const attachments = attachmentsOf(message);
        const referral = referralOf(message);
        parsed.inbound.push({
          external_user_id: message.from,
          text: textOf(message.text?.body, message.button?.text, message.interactive?.button_reply?.title, message.interactive?.list_reply?.title, captionOf(message)),
          message_id: message.id,
          // a wa_id that is not a valid number is still the identity, just not a phone to sync
          profile: { name: contact?.profile?.name, phone: normalizePhone(`+${message.from}`, null) ?? undefined },
          ...(attachments.length > 0 ? { attachments } : {}),
          ...(referral ? { referral } : {}),
        });
      }
    }
    return parsed;
  },

  // POST /{phone-number-id}/messages: the bot's account_id is the phone-number ID it sends from
  async send(api, bot, to, text) {
    if (!bot.account_id) throw new DeliveryRefused("the bot has no account_id: set it to the WhatsApp phone-number ID to send");
    const body = await callApi(
      {
        url: `${api}/${encodeURIComponent(bot.account_id)}/messages`,
        headers: { authorization: `Bearer ${bot.token}` },
        json: { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { preview_url: false, body: text } },
        transient: GRAPH_ERRORS.transient,
        unreachable: GRAPH_ERRORS.unreachable,
      },
      GRAPH_ERRORS.describe,
    );
    return { external_message_id: body?.messages?.[0]?.id ?? null };
  },
};
