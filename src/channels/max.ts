import { Type, type Static } from '@sinclair/typebox';
import { normalizePhone } from '../domain/normalize.js';
import type { InboundAttachment } from '../usecases/resolve-inbound.js';
import { callApi, defined, DeliveryRefused, emptyWebhook, forged, geoUri, header, OK_JSON, readPayload, requireKey, sameSecret, stableEventId, textOf, type ChannelInbound, type MessengerAdapter, type ParsedWebhook } from './kit.js';

// MAX Bot API (https://dev.max.ru/docs-api; the official OpenAPI schema max-messenger/api-schema,
// version 0.0.33). Every call carries the bot's token in the `Authorization` header. Webhooks come
// from POST /subscriptions: one `Update` per request, `{update_type, timestamp, ...}`, with the
// subscription's secret in `X-Max-Bot-Api-Secret`; MAX retries anything but 200 for up to 8 hours.
// A deep link max.ru/<bot>?start=<payload> arrives as `bot_started` with `payload`.
// Only a person's message in a dialog with the bot is stored (docs/messengers.md): edits, removals,
// button callbacks, chat membership, group chats and channels are acknowledged and ignored.

// user and chat ids are int64 (schema `UserId`, `ChatId`): one past JSON's safe integers is read as text
// (readMaxJson), so it is kept exactly
const Int64 = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d+$' })]);
const BIG_ID = /("(?:user_id|chat_id)"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g;
const readMaxJson = (text: string) => JSON.parse(text.replace(BIG_ID, '$1"$2"'));

const User = Type.Object({
  user_id: Int64,
  first_name: Type.String(),
  last_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  username: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  is_bot: Type.Boolean(),
});
type MaxUser = Static<typeof User>;

const Attachment = Type.Object({ type: Type.String() }, { additionalProperties: true });
const Message = Type.Object({
  sender: Type.Optional(Type.Union([User, Type.Null()])),
  recipient: Type.Object({ chat_type: Type.String(), chat_id: Type.Optional(Type.Union([Int64, Type.Null()])), user_id: Type.Optional(Type.Union([Int64, Type.Null()])) }),
  timestamp: Type.Integer(),
  body: Type.Object({
    mid: Type.String({ minLength: 1 }),
    seq: Type.Integer(),
    text: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    attachments: Type.Optional(Type.Union([Type.Array(Attachment), Type.Null()])),
  }),
});
type MaxMessage = Static<typeof Message>;

const Update = Type.Object({ update_type: Type.String(), timestamp: Type.Integer() });
const MessageCreated = Type.Object({ message: Message });
const BotStarted = Type.Object({ chat_id: Int64, user: User, payload: Type.Optional(Type.Union([Type.String(), Type.Null()])), timestamp: Type.Integer() });

type Item = Record<string, any>;

const nameOf = (user: { first_name?: string | null; last_name?: string | null }) => [user.first_name, user.last_name].filter(Boolean).join(' ');

/** The first TEL of a vCard (ContactAttachmentPayload.vcf_info), digits and a leading + only. */
function vcardPhone(vcf: unknown): string | undefined {
  if (typeof vcf !== 'string') return undefined;
  const line = vcf.split(/\r?\n/).find((l) => /^TEL[;:]/i.test(l));
  const digits = line?.slice(line.indexOf(':') + 1).replace(/[^\d+]/g, '');
  return digits || undefined;
}

/**
 * The schema's attachment kinds (`Attachment` discriminator): image, video, audio, file, sticker,
 * contact, share, location; `token` is MAX's reusable id of the uploaded file. inline_keyboard is the
 * bot's own buttons: not kept.
 */
const ATTACHMENTS: Record<string, (a: Item) => InboundAttachment> = {
  image: (a) => defined({ type: 'photo', url: a.payload?.url, file_id: a.payload?.token }),
  video: (a) => defined({ type: 'video', url: a.payload?.url, file_id: a.payload?.token }),
  audio: (a) => defined({ type: 'audio', url: a.payload?.url, file_id: a.payload?.token }),
  file: (a) => defined({ type: 'document', url: a.payload?.url, file_id: a.payload?.token, name: a.filename, size: typeof a.size === 'number' ? a.size : undefined }),
  sticker: (a) => defined({ type: 'sticker', url: a.payload?.url, file_id: a.payload?.code }),
  share: (a) => defined({ type: 'url', url: a.payload?.url, name: a.title }),
  location: (a) => defined({ type: 'location', url: typeof a.latitude === 'number' && typeof a.longitude === 'number' ? geoUri(a.latitude, a.longitude) : undefined }),
  contact: (a) => {
    const phone = vcardPhone(a.payload?.vcf_info);
    const person = a.payload?.max_info;
    return defined({ type: 'contact', url: phone ? `tel:${phone}` : undefined, name: person ? nameOf(person) : undefined });
  },
};

function attachmentsOf(message: MaxMessage): InboundAttachment[] {
  return (message.body.attachments ?? [])
    .flatMap((a) => {
      const read = ATTACHMENTS[a.type] as ((item: Item) => InboundAttachment) | undefined;
      return read ? [read(a as Item)] : [];
    })
    .filter((a) => a.url || a.file_id);
}

/**
 * The client's own phone, when they shared their own contact (a request_contact button sends the
 * current user's contact card, with `max_info` naming them) and it is a valid number.
 */
function ownPhone(message: MaxMessage, sender: MaxUser): string | undefined {
  for (const a of message.body.attachments ?? []) {
    const payload = (a as Item).payload;
    if (a.type !== 'contact' || payload?.max_info?.user_id === undefined || String(payload.max_info.user_id) !== String(sender.user_id)) continue;
    const phone = vcardPhone(payload.vcf_info);
    const normalized = phone ? normalizePhone(phone, null) : null;
    if (normalized) return normalized;
  }
  return undefined;
}

const profileOf = (user: MaxUser, phone?: string) => defined({ name: nameOf(user), username: user.username ?? undefined, phone });

function messageCreated(update: unknown, into: ParsedWebhook): void {
  const { message } = readPayload(MessageCreated, update, 'MAX message_created');
  const sender = message.sender;
  // posts on behalf of a channel have no sender; other bots are not clients; group chats and channels
  // are not a dialog with the business (docs/messengers.md)
  if (!sender || sender.is_bot || message.recipient.chat_type !== 'dialog') return;
  const attachments = attachmentsOf(message);
  const inbound: ChannelInbound = {
    external_user_id: String(sender.user_id),
    text: textOf(message.body.text ?? undefined),
    // `mid` is unique per message: a redelivered update is stored once
    message_id: message.body.mid,
    profile: profileOf(sender, ownPhone(message, sender)),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
  into.inbound.push(inbound);
}

function botStarted(update: unknown, into: ParsedWebhook): void {
  const started = readPayload(BotStarted, update, 'MAX bot_started');
  if (started.user.is_bot) return;
  const payload = started.payload?.trim() || undefined;
  into.inbound.push({
    external_user_id: String(started.user.user_id),
    payload,
    // bot_started has no message id: the person, MAX's timestamp and the payload make one, so a
    // redelivery (same update, same timestamp) is stored once
    message_id: stableEventId('bot_started', started.user.user_id, started.timestamp, payload),
    profile: profileOf(started.user),
  });
}

// Update types not listed (message_callback, message_edited, message_removed, bot_stopped, bot_added,
// user_added, dialog_*, chat_title_changed, …) carry nothing a person said to the business.
const UPDATES: Record<string, (update: unknown, into: ParsedWebhook) => void> = {
  message_created: messageCreated,
  bot_started: botStarted,
};

/** The update types omnimerge subscribes to: the ones it reads. */
export const MAX_UPDATE_TYPES = Object.keys(UPDATES);

/** MAX's error body is `{code, message}` (schema `Error`). */
const describeError = (b: any): string | undefined => (typeof b?.message === 'string' ? (b.code ? `${b.code}: ${b.message}` : b.message) : undefined);

/** A SimpleQueryResult `{success: false, message}` answered with 200 is a refusal all the same. */
const succeeded = (what: string) => (b: any) => {
  if (b?.success !== true) throw new DeliveryRefused(`MAX answered ${what} with success: false${b?.message ? ` (${b.message})` : ''}`);
};

const auth = (token: string) => ({ authorization: token });

export const max: MessengerAdapter = {
  defaultApiUrl: 'https://platform-api2.max.ru',
  decode: readMaxJson,

  verify(request, bot) {
    const secret = requireKey(bot, bot.secret, 'secret (the secret given to POST /subscriptions)');
    if (!sameSecret(header(request, 'x-max-bot-api-secret'), secret)) throw forged('X-Max-Bot-Api-Secret');
  },

  parse(payload) {
    const { update_type } = readPayload(Update, payload, 'MAX Bot API');
    const parsed = emptyWebhook();
    UPDATES[update_type]?.(payload, parsed);
    return parsed;
  },

  answer: () => OK_JSON,

  // POST /messages?user_id=: the external user id is the person's user_id (a dialog's chat_id is not kept)
  async send(api, bot, to, text) {
    const body = await callApi(
      {
        url: `${api}/messages?user_id=${encodeURIComponent(to)}`,
        headers: auth(bot.token),
        json: { text },
        // 403: the user stopped (suspended) the bot, or the bot has no access to the chat
        unreachable: (status) => status === 403,
      },
      describeError,
    );
    const mid = body?.message?.body?.mid;
    return { external_message_id: typeof mid === 'string' ? mid : null };
  },
  // NewMessageBody has no idempotency key: a send interrupted by a crash is not repeated
  idempotent: false,
};

// ---- connecting a bot (POST /v1/bots, DELETE /v1/bots/{id}) ---------------------------------
// Each throws DeliveryRefused when MAX answers no (its own message inside), an Error when it cannot be
// reached.

/** GET /me: the bot the token belongs to (BotInfo); its username is the name in max.ru/<name>. */
export async function maxGetMe(api: string, token: string): Promise<{ username: string; name: string }> {
  const me = await callApi({ url: `${api}/me`, method: 'GET', headers: auth(token) }, describeError);
  if (typeof me?.username !== 'string' || me.username === '') {
    throw new DeliveryRefused('GET /me answered without a username: set the bot\'s public name (max.ru/<name>) first');
  }
  return { username: me.username, name: nameOf(me) };
}

/** POST /subscriptions: MAX posts the updates omnimerge reads to `url`, with `secret` in X-Max-Bot-Api-Secret. */
export async function maxSubscribe(api: string, token: string, url: string, secret: string): Promise<void> {
  await callApi({ url: `${api}/subscriptions`, headers: auth(token), json: { url, secret, update_types: MAX_UPDATE_TYPES }, check: succeeded('POST /subscriptions') }, describeError);
}

/**
 * DELETE /subscriptions?url= for each subscription of the bot that points at this bot's webhook path
 * (found with GET /subscriptions, so a changed public URL is removed too).
 */
export async function maxUnsubscribe(api: string, token: string, webhookPath: string): Promise<number> {
  const listed = await callApi({ url: `${api}/subscriptions`, method: 'GET', headers: auth(token) }, describeError);
  const urls: string[] = (Array.isArray(listed?.subscriptions) ? listed.subscriptions : [])
    .map((s: { url?: unknown }) => s.url)
    .filter((url: unknown): url is string => typeof url === 'string' && URL.canParse(url) && new URL(url).pathname === webhookPath);
  for (const url of urls) {
    await callApi({ url: `${api}/subscriptions?url=${encodeURIComponent(url)}`, method: 'DELETE', headers: auth(token), check: succeeded('DELETE /subscriptions') }, describeError);
  }
  return urls.length;
}
