import { Type } from '@sinclair/typebox';
import { normalizePhone } from '../domain/normalize.js';
import type { InboundAttachment } from '../usecases/resolve-inbound.js';
import { callApi, defined, DeliveryRefused, emptyWebhook, forged, geoUri, header, OK_JSON, readPayload, requireKey, sameSecret, textOf, type ChannelInbound, type MessengerAdapter } from './kit.js';

// Telegram Bot API (https://core.telegram.org/bots/api): webhooks carry an `Update`; setWebhook's
// `secret_token` comes back in `X-Telegram-Bot-Api-Secret-Token`. A deep link t.me/<bot>?start=<p>
// arrives as the text `/start <p>` (also `/start@<bot> <p>`).
// Only a person's `message` in a private chat is stored (docs/messengers.md): edits, channel posts,
// callback queries, membership changes and group or supergroup messages are acknowledged and ignored.

const User = Type.Object({ id: Type.Integer(), is_bot: Type.Optional(Type.Boolean()), first_name: Type.String(), last_name: Type.Optional(Type.String()), username: Type.Optional(Type.String()) });
const File = { file_id: Type.String(), file_size: Type.Optional(Type.Integer()), mime_type: Type.Optional(Type.String()), file_name: Type.Optional(Type.String()) };
const Media = Type.Object(File);
const Message = Type.Object({
  message_id: Type.Integer(),
  date: Type.Integer(),
  chat: Type.Object({ id: Type.Integer(), type: Type.String() }),
  from: Type.Optional(User),
  sender_chat: Type.Optional(Type.Object({ id: Type.Integer() })),
  is_automatic_forward: Type.Optional(Type.Boolean()),
  text: Type.Optional(Type.String()),
  caption: Type.Optional(Type.String()),
  contact: Type.Optional(Type.Object({ phone_number: Type.String(), first_name: Type.Optional(Type.String()), last_name: Type.Optional(Type.String()), user_id: Type.Optional(Type.Integer()) })),
  photo: Type.Optional(Type.Array(Media)),
  document: Type.Optional(Media),
  voice: Type.Optional(Media),
  audio: Type.Optional(Type.Object({ ...File, title: Type.Optional(Type.String()) })),
  video: Type.Optional(Media),
  video_note: Type.Optional(Media),
  animation: Type.Optional(Media),
  sticker: Type.Optional(Type.Object({ ...File, emoji: Type.Optional(Type.String()) })),
  location: Type.Optional(Type.Object({ latitude: Type.Number(), longitude: Type.Number() })),
  venue: Type.Optional(Type.Object({ title: Type.String(), address: Type.Optional(Type.String()) })),
});
const Update = Type.Object({ update_id: Type.Integer(), message: Type.Optional(Message) });
type TelegramMessage = (typeof Message)['static'];

const START = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/;

/**
 * Senders that are not people, from the Bot API's documented fields: Telegram itself (777000, which
 * forwards a linked channel's posts), the anonymous group admin (GroupAnonymousBot 1087968824) and the
 * channel sender (Channel_Bot 136817688), any bot, a message sent on behalf of a chat (`sender_chat`)
 * and an automatic forward.
 */
const SERVICE_USERS = new Set([777000, 1087968824, 136817688]);

function fromPerson(message: TelegramMessage): (typeof User)['static'] | null {
  const from = message.from;
  if (!from || from.is_bot || SERVICE_USERS.has(from.id)) return null;
  if (message.sender_chat || message.is_automatic_forward) return null;
  // group and supergroup messages are not a dialog with the business: ignored (docs/messengers.md)
  if (message.chat.type !== 'private') return null;
  return from;
}

const file = (type: string, media: (typeof Media)['static'], name?: string): InboundAttachment =>
  defined({ type, file_id: media.file_id, mime_type: media.mime_type, size: media.file_size, name: name ?? media.file_name });

/** What came with the message besides text: one attachment per kind the Bot API documents. */
function attachmentsOf(message: TelegramMessage): InboundAttachment[] {
  const found: InboundAttachment[] = [];
  // photo is the same picture in several sizes: the largest is kept
  if (message.photo?.length) found.push(file('photo', message.photo[message.photo.length - 1]));
  // an animation also fills `document` for old clients: one attachment, not two
  if (message.animation) found.push(file('animation', message.animation));
  else if (message.document) found.push(file('document', message.document));
  if (message.voice) found.push(file('voice', message.voice));
  if (message.audio) found.push(file('audio', message.audio, message.audio.file_name ?? message.audio.title));
  if (message.video) found.push(file('video', message.video));
  if (message.video_note) found.push(file('video_note', message.video_note));
  if (message.sticker) found.push(file('sticker', message.sticker, message.sticker.emoji));
  if (message.location) found.push(defined({ type: 'location', url: geoUri(message.location.latitude, message.location.longitude), name: message.venue?.title }));
  if (message.contact) {
    const name = [message.contact.first_name, message.contact.last_name].filter(Boolean).join(' ');
    found.push(defined({ type: 'contact', url: `tel:${message.contact.phone_number.replace(/[^\d+]/g, '')}`, name }));
  }
  return found;
}

function inboundOf(message: TelegramMessage): ChannelInbound | null {
  const from = fromPerson(message);
  if (!from) return null;
  const text = textOf(message.text, message.caption);
  // a shared contact is the client's phone only when it is their own, and only when it is a valid number
  const shared = message.contact && message.contact.user_id === from.id ? normalizePhone(message.contact.phone_number, null) : null;
  const attachments = attachmentsOf(message);
  return {
    external_user_id: String(from.id),
    text,
    // only a typed /start carries a start parameter, never a caption
    payload: message.text === undefined ? undefined : START.exec(message.text)?.[1],
    // message ids count per chat, and a private chat's id is the user's
    message_id: String(message.message_id),
    profile: {
      name: [from.first_name, from.last_name].filter(Boolean).join(' '),
      username: from.username,
      phone: shared ?? undefined,
    },
    ...(attachments.length > 0 ? { attachments } : {}),
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


// ---- connecting a bot (POST /v1/bots, DELETE /v1/bots/{id}) ---------------------------------
// Each throws DeliveryRefused when Telegram answers no (its own description inside), an Error when it
// cannot be reached.

const okResult = (b: any) => {
  if (!b?.ok) throw new DeliveryRefused(b?.description ?? 'Telegram answered ok: false');
};

/** getMe: the bot the token belongs to (https://core.telegram.org/bots/api#getme). */
export async function telegramGetMe(api: string, token: string): Promise<{ username: string; name: string }> {
  const body = await callApi({ url: `${api}/bot${token}/getMe`, json: {}, check: okResult }, (b) => b?.description);
  const user = body.result ?? {};
  if (typeof user.username !== 'string' || user.username === '') throw new DeliveryRefused('getMe answered without a username: this token is not a bot\'s');
  return { username: user.username, name: [user.first_name, user.last_name].filter(Boolean).join(' ') };
}

/** setWebhook: Telegram posts updates to `url` with `secret_token` in X-Telegram-Bot-Api-Secret-Token. */
export async function telegramSetWebhook(api: string, token: string, url: string, secretToken: string): Promise<void> {
  await callApi({ url: `${api}/bot${token}/setWebhook`, json: { url, secret_token: secretToken }, check: okResult }, (b) => b?.description);
}

/** deleteWebhook: Telegram stops posting updates (pending ones are kept for getUpdates). */
export async function telegramDeleteWebhook(api: string, token: string): Promise<void> {
  await callApi({ url: `${api}/bot${token}/deleteWebhook`, json: {}, check: okResult }, (b) => b?.description);
}
