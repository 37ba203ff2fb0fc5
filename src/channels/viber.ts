import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { InboundAttachment } from '../usecases/resolve-inbound.js';
import { callApi, defined, DeliveryDeferred, DeliveryRefused, emptyWebhook, forged, geoUri, header, hmacSha256, OK_JSON, readPayload, requireKey, sameSecret, type MessengerAdapter, type ParsedWebhook } from './kit.js';

// Viber REST Bot API (https://developers.viber.com/docs/api/rest-bot-api/#callbacks): one event per
// callback, signed in `X-Viber-Content-Signature` (hex HMAC-SHA256 of the body keyed by the bot's
// authentication token). A deep link's `context` arrives with `conversation_started`, on every tap.
// Viber may message only subscribed clients; the first message subscribes a client without a
// `subscribed` callback, so a message counts as subscribed too.

const Subscriber = Type.Object({ id: Type.String(), name: Type.Optional(Type.String()) });
const Token = Type.String({ pattern: '^\\d+$' });

// https://developers.viber.com/docs/api/rest-bot-api/#receive-message-from-user: text, picture, video,
// file, sticker, contact, url, location; media come as URLs on Viber's servers.
const ViberMessage = Type.Object({
  type: Type.String(),
  text: Type.Optional(Type.String()),
  media: Type.Optional(Type.String()),
  file_name: Type.Optional(Type.String()),
  size: Type.Optional(Type.Integer()),
  sticker_id: Type.Optional(Type.Integer()),
  contact: Type.Optional(Type.Object({ name: Type.Optional(Type.String()), phone_number: Type.Optional(Type.String()) })),
  location: Type.Optional(Type.Object({ lat: Type.Number(), lon: Type.Number() })),
});

const MEDIA_TYPES: Record<string, string> = { picture: 'photo', video: 'video', file: 'document', sticker: 'sticker', url: 'url' };

function attachmentsOf(message: Static<typeof ViberMessage>): InboundAttachment[] {
  if (message.type === 'location' && message.location) return [{ type: 'location', url: geoUri(message.location.lat, message.location.lon) }];
  if (message.type === 'contact' && message.contact) {
    const phone = message.contact.phone_number?.replace(/[^\d+]/g, '');
    return [defined({ type: 'contact', url: phone ? `tel:${phone}` : undefined, name: message.contact.name })];
  }
  const type = MEDIA_TYPES[message.type];
  if (!type || (!message.media && message.sticker_id === undefined)) return [];
  return [defined({ type, url: message.media, file_id: message.sticker_id === undefined ? undefined : String(message.sticker_id), size: message.size, name: message.file_name })];
}

interface EventReader<T extends TSchema> {
  schema: T;
  read(callback: Static<T>, into: ParsedWebhook): void;
}
const reader = <T extends TSchema>(schema: T, read: (callback: Static<T>, into: ParsedWebhook) => void): EventReader<TSchema> => ({ schema, read });

// Events not listed (delivered, seen, failed, webhook — set_webhook's check —, client_status…)
// carry nothing a person said: acknowledged and ignored.
const EVENTS = new Map<string, EventReader<TSchema>>(Object.entries({
  message: reader(Type.Object({ message_token: Token, sender: Subscriber, message: ViberMessage }), (c, into) => {
    const attachments = attachmentsOf(c.message);
    into.inbound.push({
      external_user_id: c.sender.id,
      // a picture's or video's text is its caption
      text: c.message.text || undefined,
      message_id: c.message_token,
      profile: { name: c.sender.name },
      subscribed: true,
      ...(attachments.length > 0 ? { attachments } : {}),
    });
  }),
  conversation_started: reader(
    Type.Object({ message_token: Token, user: Subscriber, context: Type.Optional(Type.String()), subscribed: Type.Optional(Type.Boolean()) }),
    (c, into) => {
      into.inbound.push({ external_user_id: c.user.id, payload: c.context || undefined, message_id: c.message_token, profile: { name: c.user.name }, subscribed: c.subscribed ?? false });
    },
  ),
  subscribed: reader(Type.Object({ message_token: Type.Optional(Token), user: Subscriber }), (c, into) => {
    into.inbound.push({ external_user_id: c.user.id, message_id: c.message_token, profile: { name: c.user.name }, subscribed: true });
  }),
  unsubscribed: reader(Type.Object({ user_id: Type.String() }), (c, into) => {
    into.unsubscribed.push(c.user_id);
  }),
}));

// message_token is a 64-bit integer that JSON.parse would round: it is read as text
const TOKEN = /("message_token"\s*:\s*)(\d+)/g;
const readViberJson = (text: string) => JSON.parse(text.replace(TOKEN, '$1"$2"'));

// send_message statuses (https://developers.viber.com/docs/api/rest-bot-api/#error-codes)
const TOO_MANY_REQUESTS = 12; // worth another try
// receiverNotRegistered, receiverNotSubscribed, receiverNoSuitableDevice: this client cannot be written to
const UNREACHABLE = new Set([5, 6, 11]);

export const viber: MessengerAdapter = {
  defaultApiUrl: 'https://chatapi.viber.com',
  decode: readViberJson,

  verify(request, bot) {
    const key = requireKey(bot, bot.secret ?? bot.token, 'secret or token (the Viber authentication token)');
    if (!sameSecret(header(request, 'x-viber-content-signature'), hmacSha256(key, request.rawBody, 'hex'))) throw forged('X-Viber-Content-Signature');
  },

  parse(payload) {
    const { event } = readPayload(Type.Object({ event: Type.String() }), payload, 'Viber');
    const parsed = emptyWebhook();
    const known = EVENTS.get(event);
    if (known) known.read(readPayload(known.schema, payload, `Viber ${event}`), parsed);
    return parsed;
  },

  answer: () => OK_JSON,

  async send(api, bot, to, text) {
    const body = await callApi(
      {
        url: `${api}/pa/send_message`,
        headers: { 'x-viber-auth-token': bot.token },
        json: { receiver: to, min_api_version: 1, sender: { name: bot.name ?? bot.handle }, type: 'text', text },
        decode: readViberJson,
        check: (b) => {
          if (b?.status === 0) return;
          const reason = `Viber status ${b?.status}: ${b?.status_message ?? 'refused'}`;
          throw b?.status === TOO_MANY_REQUESTS ? new DeliveryDeferred(reason) : new DeliveryRefused(reason, UNREACHABLE.has(b?.status));
        },
      },
      (b) => b?.status_message,
    );
    return { external_message_id: body.message_token ?? null };
  },
  // send_message takes no idempotency key
  idempotent: false,
};

// ---- connecting a bot (POST /v1/bots, DELETE /v1/bots/{id}) ---------------------------------

const INVALID_AUTH_TOKEN = 2;

/** Viber refused the auth token itself (status 2, invalidAuthToken), not what was asked with it. */
export class ViberTokenRefused extends DeliveryRefused {}

/**
 * set_webhook (https://developers.viber.com/docs/api/rest-bot-api/#setting-a-webhook): Viber checks
 * the URL at once with a signed `webhook` callback, so the bot must already answer there. An empty
 * url removes the webhook. Throws DeliveryRefused with Viber's status when it says no.
 */
export async function viberSetWebhook(api: string, token: string, url: string): Promise<void> {
  await callApi(
    {
      url: `${api}/pa/set_webhook`,
      headers: { 'x-viber-auth-token': token },
      json: url === '' ? { url } : { url, send_name: true, send_photo: false },
      decode: readViberJson,
      check: (b) => {
        if (b?.status === 0) return;
        const reason = `Viber status ${b?.status}: ${b?.status_message ?? 'refused'}`;
        if (b?.status === INVALID_AUTH_TOKEN) throw new ViberTokenRefused(reason);
        throw b?.status === TOO_MANY_REQUESTS ? new Error(reason) : new DeliveryRefused(reason);
      },
    },
    (b) => b?.status_message,
  );
}
