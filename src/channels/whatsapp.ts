import { Type } from '@sinclair/typebox';
import { normalizePhone } from '../domain/normalize.js';
import { DeliveryRefused, callApi, emptyWebhook, readPayload, textOf, type MessengerAdapter } from './kit.js';
import { GRAPH_ERRORS, META_PLATFORM } from './meta.js';

// WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks): Meta's webhook
// envelope with `entry[].changes[].value.messages[]`; the sender's `wa_id` is their phone number and
// `contacts[].profile.name` their name. Statuses (sent, delivered, read) carry no person's message.

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
});
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
        const contact = value.contacts?.find((c) => c.wa_id === message.from);
        parsed.inbound.push({
          external_user_id: message.from,
          text: textOf(message.text?.body, message.button?.text, message.interactive?.button_reply?.title, message.interactive?.list_reply?.title),
          message_id: message.id,
          // a wa_id that is not a valid number is still the identity, just not a phone to sync
          profile: { name: contact?.profile?.name, phone: normalizePhone(`+${message.from}`, null) ?? undefined },
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
