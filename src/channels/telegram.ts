import { Type } from '@sinclair/typebox';
import { normalizePhone } from '../domain/normalize.js';
import { callApi, DeliveryRefused, emptyWebhook, forged, header, OK_JSON, readPayload, requireKey, sameSecret, textOf, type ChannelInbound, type MessengerAdapter } from './kit.js';

// Telegram Bot API (https://core.telegram.org/bots/api): webhooks carry an `Update`; setWebhook's
// `secret_token` comes back in `X-Telegram-Bot-Api-Secret-Token`. A deep link t.me/<bot>?start=<p>
// arrives as the text `/start <p>` (also `/start@<bot> <p>`).

const User = Type.Object({ id: Type.Integer(), is_bot: Type.Optional(Type.Boolean()), first_name: Type.String(), last_name: Type.Optional(Type.String()), username: Type.Optional(Type.String()) });
const Message = Type.Object({
  message_id: Type.Integer(),
  date: Type.Integer(),
  chat: Type.Object({ id: Type.Integer(), type: Type.String() }),
  from: Type.Optional(User),
  text: Type.Optional(Type.String()),
  caption: Type.Optional(Type.String()),
  contact: Type.Optional(Type.Object({ phone_number: Type.String(), user_id: Type.Optional(Type.Integer()) })),
});
const Update = Type.Object({ update_id: Type.Integer(), message: Type.Optional(Message) });

const START = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/;

function inboundOf(message: (typeof Message)['static']): ChannelInbound | null {
  const from = message.from;
  if (!from || from.is_bot) return null;
  const text = textOf(message.text, message.caption);
  // a shared contact is the client's phone only when it is their own, and only when it is a valid number
  const shared = message.contact && message.contact.user_id === from.id ? normalizePhone(message.contact.phone_number, null) : null;
  return {
    external_user_id: String(from.id),
    text,
    payload: text === undefined ? undefined : START.exec(text)?.[1],
    // message ids count per chat; a private chat's id is the user's, so the plain id is unique there
    message_id: message.chat.id === from.id ? String(message.message_id) : `${message.chat.id}:${message.message_id}`,
    profile: {
      name: [from.first_name, from.last_name].filter(Boolean).join(' '),
      username: from.username,
      phone: shared ?? undefined,
    },
  };
}

export const telegram: MessengerAdapter = {
  defaultApiUrl: 'https://api.telegram.org',

  verify(request, bot) {
    const secret = requireKey(bot, bot.secret, 'secret (the secret_token given to setWebhook)');
    if (!sameSecret(header(request, 'x-telegram-bot-api-secret-token'), secret)) throw forged('X-Telegram-Bot-Api-Secret-Token');
  },

  parse(payload) {
    const update = readPayload(Update, payload, 'Telegram');
    const parsed = emptyWebhook();
    const inbound = update.message ? inboundOf(update.message) : null;
    if (inbound) parsed.inbound.push(inbound);
    return parsed;
  },

  answer: () => OK_JSON,

  async send(api, bot, to, text) {
    const body = await callApi(
      {
        url: `${api}/bot${bot.token}/sendMessage`,
        json: { chat_id: to, text },
        check: (b) => {
          if (!b?.ok) throw new DeliveryRefused(b?.description ?? 'Telegram did not accept the message');
        },
        // 403: "bot was blocked by the user", "user is deactivated", "bot can't initiate conversation with a user"
        unreachable: (status) => status === 403,
      },
      (b) => b?.description,
    );
    return { external_message_id: String(body.result.message_id) };
  },
  // no idempotency key in the Bot API: a send interrupted by a crash is not repeated (src/events/outgoing.ts)
  idempotent: false,
};

